package dev.headroom.attention.runtime;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import java.util.Arrays;

/**
 * Greedy (argmax) generation on any runtime: one prefill over the prompt, then one decode step per
 * new token.
 */
public final class GreedyGenerator {
    private final LanguageModelRuntime model;

    public GreedyGenerator(LanguageModelRuntime model) {
        this.model = model;
    }

    /** What a generation produced and what it held. */
    public record Result(
            int[] tokens, long prefillNanos, long decodeNanos, long cacheBytes, double density) {}

    /**
     * @param stopAtEos stop early when the model emits its end-of-sequence token (which is then not
     *     returned)
     */
    public Result generate(
            int[] prompt, int maxNewTokens, AttentionPolicy policy, boolean stopAtEos) {
        return generate(prompt, maxNewTokens, 0, policy, stopAtEos);
    }

    /**
     * @param minNewTokens the end-of-sequence token is never chosen before this many tokens (as
     *     transformers does)
     */
    public Result generate(
            int[] prompt,
            int maxNewTokens,
            int minNewTokens,
            AttentionPolicy policy,
            boolean stopAtEos) {
        return generate(
                prompt, maxNewTokens, minNewTokens, policy, stopAtEos, ArtifactResolver.NONE);
    }

    /**
     * @param artifacts where the policy finds learned weights (a linearized head's feature maps)
     */
    public Result generate(
            int[] prompt,
            int maxNewTokens,
            int minNewTokens,
            AttentionPolicy policy,
            boolean stopAtEos,
            ArtifactResolver artifacts) {
        if (prompt.length == 0) throw new HeadroomException("empty prompt");
        int[] out = new int[maxNewTokens];
        int n = 0;
        int eos = model.config().eosTokenId();
        long t0 = System.nanoTime(), t1;
        try (RuntimeSequence seq = model.open(policy, prompt.length, artifacts)) {
            int next = pick(seq.prefill(prompt), eos, 0, minNewTokens);
            t1 = System.nanoTime();
            while (n < maxNewTokens) {
                if (stopAtEos && next == eos) break;
                out[n++] = next;
                if (n == maxNewTokens) break;
                next = pick(seq.decode(next), eos, n, minNewTokens);
            }
            return new Result(
                    Arrays.copyOf(out, n),
                    t1 - t0,
                    System.nanoTime() - t1,
                    seq.cacheBytes(),
                    seq.density());
        }
    }

    /** Refuses, with one line, a generation that would run past the model's context length. */
    public void checkFits(int promptTokens, int maxNewTokens) {
        int context = model.config().maxPositions();
        if (context > 0 && (long) promptTokens + maxNewTokens - 1 > context) {
            throw new HeadroomException(
                    "a prompt of "
                            + promptTokens
                            + " tokens plus "
                            + maxNewTokens
                            + " new tokens runs past the model's context length of "
                            + context
                            + " tokens (at most "
                            + Math.max(0, context - promptTokens + 1)
                            + " new tokens fit)");
        }
    }

    /**
     * The argmax of a logits row, with end-of-sequence excluded while fewer than minNewTokens are
     * out.
     */
    static int pick(float[] row, int eos, int produced, int minNewTokens) {
        int best = -1;
        for (int i = 0; i < row.length; i++) {
            if (i == eos && produced < minNewTokens) continue;
            if (best < 0 || row[i] > row[best]) best = i;
        }
        return best;
    }
}
