package dev.headroom.eval.harness;

import dev.headroom.attention.tokenizer.ModelTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.policy.AttentionObserver;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.InferenceState;
import dev.headroom.attention.runtime.LoadedModel;
import dev.headroom.eval.task.TaskCase;
import java.util.Arrays;

/**
 * Runs one {@link TaskCase} through the runtime with one attention method:
 * text cases are encoded (BOS prepended when asked), completed greedily and scored by the task's
 * rule; token cases are run teacher-forced in one pass and scored by the argmax at their target
 * positions. Thread-safe: it holds only the shared, read-only model.
 */
public final class CaseRunner {

    private final LoadedModel model;
    private final ModelTokenizer codec;
    private final boolean addBos;

    /** @param addBos prepend the model's BOS id to text prompts (token tasks carry their own prefix) */
    public CaseRunner(LoadedModel model, boolean addBos) {
        this.model = model;
        this.codec = ModelCache.codec(model.directory());
        this.addBos = addBos && model.config().bosTokenId() >= 0;
    }

    public CaseOutcome run(TaskCase c, AttentionPolicy policy) {
        if (c.task().equals(TextWindowTask.NAME)) {
            return runAgainstDense(c, policy);
        }
        return c.isTokenLevel() ? runTokens(c, policy) : runText(c, policy);
    }

    /**
     * The {@code kl} probe: one teacher-forced pass with the dense policy and one with the method.
     * Score: the fraction of positions whose argmax agrees with dense; also the mean KL(dense || method)
     * over positions, and the method's perplexity on the next ids.
     */
    private CaseOutcome runAgainstDense(TaskCase c, AttentionPolicy policy) {
        int[] ids = c.promptIds();
        int t = ids.length;
        try (NDScope scope = new NDScope()) {
            NDArray dense;
            try (InferenceState state = model.newState(new DensePolicy(), t)) {
                dense = model.transformer().forward(model.idsArray(ids), state, AttentionObserver.NONE, false).squeeze(0);
            }
            long t0 = System.nanoTime();
            NDArray method;
            long cacheBytes;
            double density;
            try (InferenceState state = model.newState(policy, t)) {
                method = model.transformer().forward(model.idsArray(ids), state, AttentionObserver.NONE, false).squeeze(0);
                cacheBytes = state.cacheBytes();
                density = state.density();
            }
            long prefill = System.nanoTime() - t0;
            NDArray logDense = dense.logSoftmax(-1);                              // [T, V]
            NDArray logMethod = method.logSoftmax(-1);
            double kl = logDense.exp().mul(logDense.sub(logMethod)).sum(new int[] {-1}).mean().getFloat();
            long[] next = new long[t - 1];
            for (int i = 0; i < t - 1; i++) {
                next[i] = ids[i + 1];
            }
            NDArray nextIds = model.manager().create(next, new Shape(t - 1, 1));
            NDArray picked = logMethod.get(new NDIndex(":-1")).gather(nextIds, 1);   // [T-1, 1]
            double nll = -picked.mean().getFloat();
            long agree = dense.argMax(-1).eq(method.argMax(-1)).sum().toType(DataType.INT64, false).getLong();
            return new CaseOutcome((double) agree / t, "top1_agreement=" + agree + "/" + t, t, 0, cacheBytes, density,
                    prefill, 0L, Math.max(0.0, kl), Math.exp(nll));
        }
    }

    private CaseOutcome runText(TaskCase c, AttentionPolicy policy) {
        if (codec == null) {
            throw new IllegalStateException("text task " + c.task() + " needs a tokenizer");
        }
        int[] encoded = codec.encode(c.prompt());
        int[] ids = encoded;
        if (addBos) {
            ids = new int[encoded.length + 1];
            ids[0] = model.config().bosTokenId();
            System.arraycopy(encoded, 0, ids, 1, encoded.length);
        }
        GreedyGenerator.Result r = new GreedyGenerator(model).generate(ids, c.maxNewTokens(), policy, true);
        String prediction = codec.decode(r.tokens());
        return new CaseOutcome(c.score(prediction), prediction, ids.length, r.tokens().length, r.cacheBytes(),
                r.density(), r.prefillNanos(), r.decodeNanos());
    }

    private CaseOutcome runTokens(TaskCase c, AttentionPolicy policy) {
        int[] ids = c.promptIds();
        long t0 = System.nanoTime();
        int[] atTargets = new int[c.targetPositions().length];
        long cacheBytes;
        double density;
        try (NDScope scope = new NDScope(); InferenceState state = model.newState(policy, ids.length)) {
            NDArray logits = model.transformer().forward(model.idsArray(ids), state, AttentionObserver.NONE, false);
            long[] argmax = logits.argMax(-1).toLongArray();                     // [1, T] -> T
            for (int i = 0; i < atTargets.length; i++) {
                atTargets[i] = (int) argmax[c.targetPositions()[i]];
            }
            cacheBytes = state.cacheBytes();
            density = state.density();
        }
        long prefill = System.nanoTime() - t0;
        return new CaseOutcome(c.scoreTokens(atTargets), Arrays.toString(atTargets), ids.length, 0, cacheBytes,
                density, prefill, 0L);
    }
}
