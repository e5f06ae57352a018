package dev.headroom.stages.evaluate;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.RecordTable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * The evaluate stage's Parquet tables, {@code eval_results} and {@code eval_summary}, both mapped
 * by {@link RecordTable} (record component {@code kvCacheBytes} is column {@code kv_cache_bytes})
 * through a row record that is the table's columns exactly: the kl probe's columns are nullable
 * ({@code Double}; NaN in {@link CaseResult} and {@link CellSummary} is null in the table), and
 * {@code prefill_ms} / {@code decode_ms} are {@code prefillMillis} / {@code decodeMillis}.
 */
public final class EvalTables {

    private EvalTables() {}

    /** A row of {@code eval_results}, by column. */
    public record ResultRow(
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
            double prefillMs,
            double decodeMs,
            Double klDivergence,
            Double perplexity) {

        static ResultRow of(CaseResult r) {
            return new ResultRow(
                    r.method(),
                    r.policy(),
                    r.task(),
                    r.scoringRule(),
                    r.length(),
                    r.depth(),
                    r.sample(),
                    r.seed(),
                    r.promptTokens(),
                    r.newTokens(),
                    r.score(),
                    r.correct(),
                    r.prediction(),
                    r.kvCacheBytes(),
                    r.density(),
                    r.prefillMillis(),
                    r.decodeMillis(),
                    nullIfNaN(r.klDivergence()),
                    nullIfNaN(r.perplexity()));
        }

        CaseResult toResult() {
            return CaseResult.builder()
                    .method(method)
                    .policy(policy)
                    .task(task)
                    .scoringRule(scoringRule)
                    .length(length)
                    .depth(depth)
                    .sample(sample)
                    .seed(seed)
                    .promptTokens(promptTokens)
                    .newTokens(newTokens)
                    .score(score)
                    .correct(correct)
                    .prediction(prediction)
                    .kvCacheBytes(kvCacheBytes)
                    .density(density)
                    .prefillMillis(prefillMs)
                    .decodeMillis(decodeMs)
                    .klDivergence(nanIfNull(klDivergence))
                    .perplexity(nanIfNull(perplexity))
                    .build();
        }
    }

    /** A row of {@code eval_summary}, by column. */
    public record SummaryRow(
            String method,
            String policy,
            String task,
            int length,
            int cases,
            int correct,
            double accuracy,
            double ciLow,
            double ciHigh,
            double meanPromptTokens,
            double meanKvCacheBytes,
            double meanDensity,
            Double meanKlDivergence,
            Double meanPerplexity) {

        static SummaryRow of(CellSummary s) {
            return new SummaryRow(
                    s.method(),
                    s.policy(),
                    s.task(),
                    s.length(),
                    s.cases(),
                    s.correct(),
                    s.accuracy(),
                    s.ciLow(),
                    s.ciHigh(),
                    s.meanPromptTokens(),
                    s.meanKvCacheBytes(),
                    s.meanDensity(),
                    nullIfNaN(s.meanKlDivergence()),
                    nullIfNaN(s.meanPerplexity()));
        }

        CellSummary toSummary() {
            return new CellSummary(
                    method,
                    policy,
                    task,
                    length,
                    cases,
                    correct,
                    accuracy,
                    ciLow,
                    ciHigh,
                    meanPromptTokens,
                    meanKvCacheBytes,
                    meanDensity,
                    nanIfNull(meanKlDivergence),
                    nanIfNull(meanPerplexity));
        }
    }

    /** One row per case. */
    public static final AvroTable<CaseResult> RESULTS =
            new Mapped<>(
                    new RecordTable<>(
                            "eval_results",
                            ResultRow.class,
                            """
                {"type": "record", "name": "EvalResult", "namespace": "dev.headroom.reports",
                 "doc": "One evaluated case: a method run on one generated task case.",
                 "fields": [
                  {"name": "method", "type": "string", "doc": "method label from the config"},
                  {"name": "policy", "type": "string", "doc": "the attention policy's own name"},
                  {"name": "task", "type": "string"},
                  {"name": "scoring_rule", "type": "string"},
                  {"name": "length", "type": "int", "doc": "requested prompt length in tokens"},
                  {"name": "depth", "type": "double", "doc": "needle depth, 0 = start of the haystack, 1 = end"},
                  {"name": "sample", "type": "int"},
                  {"name": "seed", "type": "long"},
                  {"name": "prompt_tokens", "type": "int", "doc": "ids fed to the model, BOS included"},
                  {"name": "new_tokens", "type": "int"},
                  {"name": "score", "type": "double", "doc": "in [0, 1]"},
                  {"name": "correct", "type": "boolean", "doc": "score == 1"},
                  {"name": "prediction", "type": "string"},
                  {"name": "kv_cache_bytes", "type": "long", "doc": "KV-cache bytes held at the end of the case"},
                  {"name": "density", "type": "double", "doc": "fraction of causal query-key pairs computed"},
                  {"name": "prefill_ms", "type": "double"},
                  {"name": "decode_ms", "type": "double"},
                  {"name": "kl_divergence", "type": ["null", "double"], "default": null, "doc": "kl probe: mean KL(dense || method), nats"},
                  {"name": "perplexity", "type": ["null", "double"], "default": null, "doc": "kl probe: the method's perplexity"}
                 ]}"""),
                    ResultRow::of,
                    ResultRow::toResult);

    /** One row per method × task × length. */
    public static final AvroTable<CellSummary> SUMMARY =
            new Mapped<>(
                    new RecordTable<>(
                            "eval_summary",
                            SummaryRow.class,
                            """
                {"type": "record", "name": "EvalSummary", "namespace": "dev.headroom.reports",
                 "doc": "Accuracy of one method on one task at one length, over all depths and samples.",
                 "fields": [
                  {"name": "method", "type": "string"},
                  {"name": "policy", "type": "string"},
                  {"name": "task", "type": "string"},
                  {"name": "length", "type": "int"},
                  {"name": "cases", "type": "int"},
                  {"name": "correct", "type": "int", "doc": "cases with full marks"},
                  {"name": "accuracy", "type": "double", "doc": "mean score"},
                  {"name": "ci_low", "type": "double", "doc": "95% Wilson score interval, lower end"},
                  {"name": "ci_high", "type": "double", "doc": "95% Wilson score interval, upper end"},
                  {"name": "mean_prompt_tokens", "type": "double"},
                  {"name": "mean_kv_cache_bytes", "type": "double"},
                  {"name": "mean_density", "type": "double"},
                  {"name": "mean_kl_divergence", "type": ["null", "double"], "default": null, "doc": "kl probe only"},
                  {"name": "mean_perplexity", "type": ["null", "double"], "default": null, "doc": "kl probe only"}
                 ]}"""),
                    SummaryRow::of,
                    SummaryRow::toSummary);

    /**
     * A table of {@code T} rows stored as the {@link RecordTable} of its column record {@code R}.
     */
    private static final class Mapped<T, R extends Record> implements AvroTable<T> {
        private final RecordTable<R> table;
        private final SerializableFunction<T, R> toRow;
        private final SerializableFunction<R, T> fromRow;

        Mapped(
                RecordTable<R> table,
                SerializableFunction<T, R> toRow,
                SerializableFunction<R, T> fromRow) {
            this.table = table;
            this.toRow = toRow;
            this.fromRow = fromRow;
        }

        @Override
        public String name() {
            return table.name();
        }

        @Override
        public String schemaJson() {
            return table.schemaJson();
        }

        @Override
        public GenericRecord toRecord(T row, Schema schema) {
            return table.toRecord(toRow.apply(row), schema);
        }

        @Override
        public T fromRecord(GenericRecord record) {
            return fromRow.apply(table.fromRecord(record));
        }
    }

    private static Double nullIfNaN(double d) {
        return Double.isNaN(d) ? null : d;
    }

    private static double nanIfNull(Double d) {
        return d == null ? Double.NaN : d;
    }
}
