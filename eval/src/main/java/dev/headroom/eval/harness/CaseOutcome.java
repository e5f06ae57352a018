package dev.headroom.eval.harness;

import java.io.Serializable;

/**
 * What running one case with one attention method gave.
 *
 * @param score          the task's score in [0, 1] (string_match_all fraction, first-integer match, token accuracy)
 * @param prediction     the decoded continuation (text tasks) or the predicted ids at the scored positions
 * @param promptTokens   ids fed to the model, BOS included
 * @param newTokens      tokens generated (0 for teacher-forced token tasks)
 * @param kvCacheBytes   KV-cache bytes the method held at the end of the case
 * @param density        fraction of causal query-key pairs computed
 * @param prefillNanos   wall time of the prompt pass
 * @param decodeNanos    wall time of the decode steps
 * @param klDivergence   {@code kl} probe: mean KL(dense || method) of the next-token distributions, nats; else NaN
 * @param perplexity     {@code kl} probe: the method's perplexity on the text; else NaN
 */
public record CaseOutcome(double score, String prediction, int promptTokens, int newTokens, long kvCacheBytes,
                          double density, long prefillNanos, long decodeNanos, double klDivergence, double perplexity)
        implements Serializable {

    /** An outcome of a task that is not the {@code kl} probe. */
    public CaseOutcome(double score, String prediction, int promptTokens, int newTokens, long kvCacheBytes,
                       double density, long prefillNanos, long decodeNanos) {
        this(score, prediction, promptTokens, newTokens, kvCacheBytes, density, prefillNanos, decodeNanos, Double.NaN,
                Double.NaN);
    }

    /** A case counts as correct when it scores full marks. */
    public boolean correct() {
        return score >= 1.0;
    }
}
