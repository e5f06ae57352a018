package dev.headroom.eval.harness;

import java.io.Serializable;

/**
 * What running one case with one attention method gave. Built through the named factories below.
 *
 * @param score the task's score in [0, 1] (string_match_all fraction, first-integer match, token
 *     accuracy)
 * @param prediction the decoded continuation (text tasks) or the predicted ids at the scored
 *     positions
 * @param outputIds the generated tokens (text tasks) or the argmax ids at the scored positions
 *     (token tasks)
 * @param promptTokens ids fed to the model, BOS included
 * @param newTokens tokens generated (0 for teacher-forced token tasks)
 * @param kvCacheBytes KV-cache bytes the method's caches held at the end of the case
 * @param density fraction of causal query-key pairs computed
 * @param prefillNanos wall time of the prompt pass
 * @param decodeNanos wall time of the decode steps
 * @param klDivergence {@code kl} probe: mean KL(dense || method) of the next-token distributions,
 *     nats; else NaN
 * @param perplexity {@code kl} probe: the method's perplexity on the text; else NaN
 */
public record CaseOutcome(
        double score,
        String prediction,
        int[] outputIds,
        int promptTokens,
        int newTokens,
        long kvCacheBytes,
        double density,
        long prefillNanos,
        long decodeNanos,
        double klDivergence,
        double perplexity)
        implements Serializable {

    /** What the runtime held and how long it took, common to every kind of case. */
    public record Cost(
            int promptTokens,
            long kvCacheBytes,
            double density,
            long prefillNanos,
            long decodeNanos) {}

    /** A generated-and-matched text case. */
    public static CaseOutcome generated(double score, String text, int[] tokens, Cost cost) {
        return new CaseOutcome(
                score,
                text,
                tokens,
                cost.promptTokens(),
                tokens.length,
                cost.kvCacheBytes(),
                cost.density(),
                cost.prefillNanos(),
                cost.decodeNanos(),
                Double.NaN,
                Double.NaN);
    }

    /** A teacher-forced token case scored by the argmax at its target positions. */
    public static CaseOutcome teacherForced(double score, int[] argmaxAtTargets, Cost cost) {
        return new CaseOutcome(
                score,
                java.util.Arrays.toString(argmaxAtTargets),
                argmaxAtTargets,
                cost.promptTokens(),
                0,
                cost.kvCacheBytes(),
                cost.density(),
                cost.prefillNanos(),
                0L,
                Double.NaN,
                Double.NaN);
    }

    /** The {@code kl} probe: agreement with dense, KL(dense || method) and perplexity. */
    public static CaseOutcome comparedToDense(long agree, double kl, double perplexity, Cost cost) {
        int t = cost.promptTokens();
        return new CaseOutcome(
                (double) agree / t,
                "top1_agreement=" + agree + "/" + t,
                new int[0],
                t,
                0,
                cost.kvCacheBytes(),
                cost.density(),
                cost.prefillNanos(),
                0L,
                kl,
                perplexity);
    }

    /** A case counts as correct when it scores full marks. */
    public boolean correct() {
        return score >= 1.0;
    }
}
