package dev.headroom.plan.profile;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.headroom.attention.cpu.GradientProbe;
import dev.headroom.attention.cpu.InferenceState;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles one calibration sample: a forward and backward pass of the dense model with the loss on
 * the answer tokens only, then every head's influence, attention statistics and (on needle samples)
 * retrieval score.
 */
public final class SampleProfiler {
    /**
     * DJL's PyTorch engine allows one gradient collector per JVM: samples profile one at a time per
     * worker JVM.
     */
    private static final Object GRADIENT_LOCK = new Object();

    private final HeadProfiler heads;
    private final double lossTemperature;

    /** Runs between the forward and the backward pass; tests force a garbage collection there. */
    private Runnable beforeBackward = () -> {};

    public SampleProfiler(HeadProfiler heads) {
        this(heads, 1.0);
    }

    /**
     * @param lossTemperature the profiled loss is the answer cross-entropy of logits / T. T = 1 is
     *     MoA's loss; a model that answers with near certainty has vanishing gradients there, and a
     *     larger T keeps them measurable (the influence formula is unchanged)
     */
    public SampleProfiler(HeadProfiler heads, double lossTemperature) {
        this.heads = heads;
        this.lossTemperature = lossTemperature;
    }

    /** Test seam: {@code hook} runs after the forward pass, before the backward pass. */
    SampleProfiler beforeBackward(Runnable hook) {
        this.beforeBackward = hook;
        return this;
    }

    public List<ProfileRow> profile(LoadedModel model, CalibrationSample s) {
        synchronized (GRADIENT_LOCK) {
            return profileAlone(model, s);
        }
    }

    private List<ProfileRow> profileAlone(LoadedModel model, CalibrationSample s) {
        int[] ids = s.ids();
        GradientProbe probe = new GradientProbe();
        List<ProfileRow> rows = new ArrayList<>();
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(new DensePolicy(4), ids.length);
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits =
                    model.transformer()
                            .forward(model.idsArray(ids), state, probe, false); // [1, T, V]
            NDArray loss =
                    answerLoss(
                            lossTemperature == 1.0
                                    ? logits
                                    : logits.div(scalar(logits, lossTemperature)),
                            ids,
                            s.lossPositions());
            beforeBackward.run();
            gc.backward(loss);
            for (int l = 0; l < model.config().numLayers(); l++) {
                NDArray a = probe.probabilities(l), g = probe.gradient(l);
                rows.addAll(heads.influence(l, a, g));
                rows.addAll(heads.statistics(l, a));
                if (s.hasNeedle())
                    rows.addAll(
                            heads.retrieval(
                                    l, a, ids, s.lossPositions(), s.needleStart(), s.needleEnd()));
            }
        } finally {
            probe.clear();
        }
        // rows carry the sample's nominal length so that samples of one length average together
        List<ProfileRow> out = new ArrayList<>(rows.size());
        for (ProfileRow r : rows)
            out.add(
                    new ProfileRow(
                            r.layer(), r.head(), r.kvHead(), s.length(), r.metric(), r.value()));
        return out;
    }

    /**
     * A float32 scalar whose memory libtorch owns. Never pass a Java number to an op that autograd
     * differentiates ({@code x.div(8.0)}, {@code x.mul(0.125)}): DJL wraps the number in a tensor
     * over a direct ByteBuffer (from_blob, no copy) and closes it as soon as the op returns, while
     * autograd keeps that tensor for the backward pass. A garbage collection in between frees the
     * buffer and the backward pass reads freed memory: gradients that change from run to run, or
     * NaN.
     */
    static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, DataType.FLOAT32);
    }

    /**
     * Mean cross-entropy of the next token at the loss positions: logits at p predict ids[p + 1].
     */
    static NDArray answerLoss(NDArray logits, int[] ids, int[] lossPositions) {
        long[] pos = new long[lossPositions.length], targets = new long[lossPositions.length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = lossPositions[i];
            targets[i] = ids[lossPositions[i] + 1];
        }
        NDArray rows =
                logits.get(new NDIndex(":, {}, :", logits.getManager().create(pos))); // [1, A, V]
        NDArray logp = rows.logSoftmax(-1);
        NDArray idx = logp.getManager().create(targets).reshape(1, targets.length, 1);
        return logp.gather(idx, 2).mean().neg();
    }

    /**
     * The answer loss of a sample under an attention policy, without gradients: plan validation.
     */
    public static double loss(LoadedModel model, CalibrationSample s, AttentionPolicy policy) {
        int[] ids = s.ids();
        int prompt = s.lossPositions()[0] + 1;
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(policy, prompt)) {
            // the prompt first, then the answer over the cache the prompt left (a quantized
            // format's codes, as generation would see them)
            NDArray head =
                    model.transformer()
                            .forward(
                                    model.idsArray(java.util.Arrays.copyOf(ids, prompt)),
                                    state,
                                    dev.headroom.attention.cpu.AttentionObserver.NONE,
                                    false);
            NDArray logits = head;
            if (prompt < ids.length) {
                NDArray tail =
                        model.transformer()
                                .forward(
                                        model.idsArray(
                                                java.util.Arrays.copyOfRange(
                                                        ids, prompt, ids.length)),
                                        state,
                                        dev.headroom.attention.cpu.AttentionObserver.NONE,
                                        false);
                logits = head.concat(tail, 1); // [1, T, V]
            }
            return answerLoss(logits, ids, s.lossPositions()).getFloat();
        }
    }
}
