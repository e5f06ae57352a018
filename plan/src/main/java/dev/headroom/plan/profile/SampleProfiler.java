package dev.headroom.plan.profile;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GradientProbe;
import dev.headroom.attention.runtime.InferenceState;
import dev.headroom.attention.runtime.LoadedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles one calibration sample: a forward and backward pass of the dense model with the loss on the answer
 * tokens only, then every head's influence, attention statistics and (on needle samples) retrieval score.
 */
public final class SampleProfiler {
    private final HeadProfiler heads;

    public SampleProfiler(HeadProfiler heads) {
        this.heads = heads;
    }

    public List<ProfileRow> profile(LoadedModel model, CalibrationSample s) {
        int[] ids = s.sequence();
        int answerStart = s.promptIds().length;
        GradientProbe probe = new GradientProbe();
        List<ProfileRow> rows = new ArrayList<>();
        try (NDScope scope = new NDScope(); InferenceState state = model.newState(new DensePolicy(4), ids.length);
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.transformer().forward(model.idsArray(ids), state, probe, false); // [1, T, V]
            NDArray loss = answerLoss(model, logits, ids, answerStart);
            gc.backward(loss);
            for (int l = 0; l < model.config().numLayers(); l++) {
                NDArray a = probe.probabilities(l), g = probe.gradient(l);
                rows.addAll(heads.influence(l, a, g));
                rows.addAll(heads.statistics(l, a));
                if (s.hasNeedle()) rows.addAll(heads.retrieval(l, a, ids, answerStart, s.needleStart(), s.needleEnd()));
            }
        } finally {
            probe.clear();
        }
        // rows carry the sample's nominal length so that samples of one length average together
        List<ProfileRow> out = new ArrayList<>(rows.size());
        for (ProfileRow r : rows) out.add(new ProfileRow(r.layer(), r.head(), r.kvHead(), s.length(), r.metric(), r.value()));
        return out;
    }

    /** Mean cross-entropy of the answer tokens: logits at position p predict token p + 1. */
    static NDArray answerLoss(LoadedModel model, NDArray logits, int[] ids, int answerStart) {
        int t = ids.length;
        NDArray logp = logits.get(new NDIndex(":, {}:{}, :", answerStart - 1, t - 1)).logSoftmax(-1); // [1, A, V]
        long[] targets = new long[t - answerStart];
        for (int i = answerStart; i < t; i++) targets[i - answerStart] = ids[i];
        NDArray idx = logp.getManager().create(targets).reshape(1, targets.length, 1);
        return logp.gather(idx, 2).mean().neg();
    }

    /** The answer loss of a sample under an attention policy, without gradients: plan validation. */
    public static double loss(LoadedModel model, CalibrationSample s, AttentionPolicy policy) {
        int[] ids = s.sequence();
        try (NDScope scope = new NDScope(); InferenceState state = model.newState(policy, s.promptIds().length)) {
            NDArray logits = model.transformer().forward(model.idsArray(ids), state, dev.headroom.attention.policy.AttentionObserver.NONE, false);
            return answerLoss(model, logits, ids, s.promptIds().length).getFloat();
        }
    }
}
