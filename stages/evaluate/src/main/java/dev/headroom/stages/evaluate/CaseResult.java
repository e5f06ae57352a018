package dev.headroom.stages.evaluate;

import java.io.Serializable;

/**
 * One evaluated case: a row of {@code eval_results}.
 *
 * @param method        method label
 * @param policy        the policy's own name, e.g. {@code uniform(sink=4,window=0.25N)}
 * @param task          task name
 * @param scoringRule   e.g. {@code string_match_all}, {@code first_integer_match}, {@code token_accuracy}
 * @param length        requested prompt length in tokens
 * @param depth         requested needle depth in [0, 1]
 * @param sample        sample index within the cell
 * @param seed          run seed the case was generated from
 * @param promptTokens  ids actually fed to the model
 * @param newTokens     tokens generated
 * @param score         in [0, 1]
 * @param correct       score is full marks
 * @param prediction    decoded continuation, or the predicted ids of a token task
 * @param kvCacheBytes  KV-cache bytes the method held at the end of the case
 * @param density       fraction of causal query-key pairs computed
 * @param prefillMillis prompt pass wall time
 * @param decodeMillis  decode wall time
 * @param klDivergence  {@code kl} probe only (else NaN): mean KL(dense || method) of next-token distributions, nats
 * @param perplexity    {@code kl} probe only (else NaN): the method's perplexity on the text
 */
public record CaseResult(String method, String policy, String task, String scoringRule, int length, double depth,
                         int sample, long seed, int promptTokens, int newTokens, double score, boolean correct,
                         String prediction, long kvCacheBytes, double density, double prefillMillis,
                         double decodeMillis, double klDivergence, double perplexity) implements Serializable {

    /** The summary cell this case belongs to: method, task, length. */
    public String cellKey() {
        return method + '\u0000' + task + '\u0000' + length;
    }
}
