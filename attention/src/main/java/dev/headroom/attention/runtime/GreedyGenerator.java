package dev.headroom.attention.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.headroom.attention.policy.AttentionObserver;
import dev.headroom.attention.policy.AttentionPolicy;

/** Greedy (argmax) generation: one prefill over the prompt, then one decode step per new token. */
public final class GreedyGenerator {
    private final LoadedModel model;

    public GreedyGenerator(LoadedModel model) {
        this.model = model;
    }

    /** What a generation produced and what it held. */
    public record Result(int[] tokens, long prefillNanos, long decodeNanos, long cacheBytes, double density) {
    }

    /** @param stopAtEos stop early when the model emits its end-of-sequence token (which is then not returned) */
    public Result generate(int[] prompt, int maxNewTokens, AttentionPolicy policy, boolean stopAtEos) {
        return generate(prompt, maxNewTokens, 0, policy, stopAtEos);
    }

    /** @param minNewTokens the end-of-sequence token is never chosen before this many tokens (as transformers does) */
    public Result generate(int[] prompt, int maxNewTokens, int minNewTokens, AttentionPolicy policy, boolean stopAtEos) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        int[] out = new int[maxNewTokens];
        int n = 0;
        long t0 = System.nanoTime(), t1;
        try (InferenceState state = model.newState(policy, prompt.length)) {
            int next;
            try (NDScope scope = new NDScope()) {
                NDArray logits = model.transformer().forward(model.idsArray(prompt), state, AttentionObserver.NONE, true);
                next = pick(logits, 0, minNewTokens);
            }
            t1 = System.nanoTime();
            while (n < maxNewTokens) {
                if (stopAtEos && next == model.config().eosTokenId()) break;
                out[n++] = next;
                if (n == maxNewTokens) break;
                try (NDScope scope = new NDScope()) {
                    NDArray logits = model.transformer().forward(model.idsArray(new int[] {next}), state, AttentionObserver.NONE, true);
                    next = pick(logits, n, minNewTokens);
                }
            }
            return new Result(java.util.Arrays.copyOf(out, n), t1 - t0, System.nanoTime() - t1, state.cacheBytes(), state.density());
        }
    }

    /** The argmax of logits [1, 1, V], with end-of-sequence excluded while fewer than minNewTokens are out. */
    private int pick(NDArray logits, int produced, int minNewTokens) {
        float[] row = logits.toFloatArray();
        int eos = model.config().eosTokenId();
        int best = -1;
        for (int i = 0; i < row.length; i++) {
            if (i == eos && produced < minNewTokens) continue;
            if (best < 0 || row[i] > row[best]) best = i;
        }
        return best;
    }
}
