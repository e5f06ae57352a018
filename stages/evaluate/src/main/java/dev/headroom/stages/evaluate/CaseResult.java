package dev.headroom.stages.evaluate;

import java.io.Serializable;

/**
 * One evaluated case: a row of {@code eval_results}.
 *
 * @param method method label
 * @param policy the policy's own name, e.g. {@code uniform(sink=4,window=0.25N)}
 * @param task task name
 * @param scoringRule e.g. {@code string_match_all}, {@code first_integer_match}, {@code
 *     token_accuracy}
 * @param length requested prompt length in tokens
 * @param depth requested needle depth in [0, 1]
 * @param sample sample index within the cell
 * @param seed run seed the case was generated from
 * @param promptTokens ids actually fed to the model
 * @param newTokens tokens generated
 * @param score in [0, 1]
 * @param correct score is full marks
 * @param prediction decoded continuation, or the predicted ids of a token task
 * @param kvCacheBytes KV-cache bytes the method held at the end of the case
 * @param density fraction of causal query-key pairs computed
 * @param prefillMillis prompt pass wall time
 * @param decodeMillis decode wall time
 * @param klDivergence {@code kl} probe only (else NaN): mean KL(dense || method) of next-token
 *     distributions, nats
 * @param perplexity {@code kl} probe only (else NaN): the method's perplexity on the text
 */
public record CaseResult(
        String method,
        String policy,
        String task,
        String scoringRule,
        int length,
        double depth,
        int sample,
        long seed,
        int promptTokens,
        int newTokens,
        double score,
        boolean correct,
        String prediction,
        long kvCacheBytes,
        double density,
        double prefillMillis,
        double decodeMillis,
        double klDivergence,
        double perplexity)
        implements Serializable {

    /** The summary cell this case belongs to: method, task, length. */
    public String cellKey() {
        return method + '\u0000' + task + '\u0000' + length;
    }

    /** The case itself within its cell: method, task, length, depth and sample, for messages. */
    public String caseKey() {
        return method + " " + task + " " + length + " " + depth + " " + sample;
    }

    /**
     * A builder: every column by name. {@code klDivergence} and {@code perplexity} default to NaN
     * (not the kl probe).
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link CaseResult} by column name. */
    public static final class Builder {
        private String method;
        private String policy;
        private String task;
        private String scoringRule;
        private int length;
        private double depth;
        private int sample;
        private long seed;
        private int promptTokens;
        private int newTokens;
        private double score;
        private boolean correct;
        private String prediction;
        private long kvCacheBytes;
        private double density;
        private double prefillMillis;
        private double decodeMillis;
        private double klDivergence = Double.NaN;
        private double perplexity = Double.NaN;

        private Builder() {}

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder policy(String policy) {
            this.policy = policy;
            return this;
        }

        public Builder task(String task) {
            this.task = task;
            return this;
        }

        public Builder scoringRule(String scoringRule) {
            this.scoringRule = scoringRule;
            return this;
        }

        public Builder length(int length) {
            this.length = length;
            return this;
        }

        public Builder depth(double depth) {
            this.depth = depth;
            return this;
        }

        public Builder sample(int sample) {
            this.sample = sample;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder promptTokens(int promptTokens) {
            this.promptTokens = promptTokens;
            return this;
        }

        public Builder newTokens(int newTokens) {
            this.newTokens = newTokens;
            return this;
        }

        public Builder score(double score) {
            this.score = score;
            return this;
        }

        public Builder correct(boolean correct) {
            this.correct = correct;
            return this;
        }

        public Builder prediction(String prediction) {
            this.prediction = prediction;
            return this;
        }

        public Builder kvCacheBytes(long kvCacheBytes) {
            this.kvCacheBytes = kvCacheBytes;
            return this;
        }

        public Builder density(double density) {
            this.density = density;
            return this;
        }

        public Builder prefillMillis(double prefillMillis) {
            this.prefillMillis = prefillMillis;
            return this;
        }

        public Builder decodeMillis(double decodeMillis) {
            this.decodeMillis = decodeMillis;
            return this;
        }

        public Builder klDivergence(double klDivergence) {
            this.klDivergence = klDivergence;
            return this;
        }

        public Builder perplexity(double perplexity) {
            this.perplexity = perplexity;
            return this;
        }

        public CaseResult build() {
            return new CaseResult(
                    method,
                    policy,
                    task,
                    scoringRule,
                    length,
                    depth,
                    sample,
                    seed,
                    promptTokens,
                    newTokens,
                    score,
                    correct,
                    prediction,
                    kvCacheBytes,
                    density,
                    prefillMillis,
                    decodeMillis,
                    klDivergence,
                    perplexity);
        }
    }
}
