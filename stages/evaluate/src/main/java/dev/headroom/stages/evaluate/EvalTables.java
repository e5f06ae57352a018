package dev.headroom.stages.evaluate;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.stages.evaluate.CaseResult;
import dev.headroom.stages.evaluate.CellSummary;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The evaluate stage's Parquet tables, {@code eval_results} and {@code eval_summary}. */
public final class EvalTables {

    private EvalTables() {
    }

    /** One row per case. */
    public static final AvroTable<CaseResult> RESULTS = new AvroTable<>() {
        @Override
        public String name() {
            return "eval_results";
        }

        @Override
        public String schemaJson() {
            return """
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
                 ]}""";
        }

        @Override
        public GenericRecord toRecord(CaseResult r, Schema schema) {
            GenericRecord g = new GenericData.Record(schema);
            g.put("method", r.method());
            g.put("policy", r.policy());
            g.put("task", r.task());
            g.put("scoring_rule", r.scoringRule());
            g.put("length", r.length());
            g.put("depth", r.depth());
            g.put("sample", r.sample());
            g.put("seed", r.seed());
            g.put("prompt_tokens", r.promptTokens());
            g.put("new_tokens", r.newTokens());
            g.put("score", r.score());
            g.put("correct", r.correct());
            g.put("prediction", r.prediction());
            g.put("kv_cache_bytes", r.kvCacheBytes());
            g.put("density", r.density());
            g.put("prefill_ms", r.prefillMillis());
            g.put("decode_ms", r.decodeMillis());
            g.put("kl_divergence", nullIfNaN(r.klDivergence()));
            g.put("perplexity", nullIfNaN(r.perplexity()));
            return g;
        }

        @Override
        public CaseResult fromRecord(GenericRecord g) {
            return new CaseResult(str(g, "method"), str(g, "policy"), str(g, "task"), str(g, "scoring_rule"),
                    (Integer) g.get("length"), (Double) g.get("depth"), (Integer) g.get("sample"), (Long) g.get("seed"),
                    (Integer) g.get("prompt_tokens"), (Integer) g.get("new_tokens"), (Double) g.get("score"),
                    (Boolean) g.get("correct"), str(g, "prediction"), (Long) g.get("kv_cache_bytes"),
                    (Double) g.get("density"), (Double) g.get("prefill_ms"), (Double) g.get("decode_ms"),
                    nanIfNull(g.get("kl_divergence")), nanIfNull(g.get("perplexity")));
        }
    };

    /** One row per method × task × length. */
    public static final AvroTable<CellSummary> SUMMARY = new AvroTable<>() {
        @Override
        public String name() {
            return "eval_summary";
        }

        @Override
        public String schemaJson() {
            return """
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
                 ]}""";
        }

        @Override
        public GenericRecord toRecord(CellSummary s, Schema schema) {
            GenericRecord g = new GenericData.Record(schema);
            g.put("method", s.method());
            g.put("policy", s.policy());
            g.put("task", s.task());
            g.put("length", s.length());
            g.put("cases", s.cases());
            g.put("correct", s.correct());
            g.put("accuracy", s.accuracy());
            g.put("ci_low", s.ciLow());
            g.put("ci_high", s.ciHigh());
            g.put("mean_prompt_tokens", s.meanPromptTokens());
            g.put("mean_kv_cache_bytes", s.meanKvCacheBytes());
            g.put("mean_density", s.meanDensity());
            g.put("mean_kl_divergence", nullIfNaN(s.meanKlDivergence()));
            g.put("mean_perplexity", nullIfNaN(s.meanPerplexity()));
            return g;
        }

        @Override
        public CellSummary fromRecord(GenericRecord g) {
            return new CellSummary(str(g, "method"), str(g, "policy"), str(g, "task"), (Integer) g.get("length"),
                    (Integer) g.get("cases"), (Integer) g.get("correct"), (Double) g.get("accuracy"),
                    (Double) g.get("ci_low"), (Double) g.get("ci_high"), (Double) g.get("mean_prompt_tokens"),
                    (Double) g.get("mean_kv_cache_bytes"), (Double) g.get("mean_density"),
                    nanIfNull(g.get("mean_kl_divergence")), nanIfNull(g.get("mean_perplexity")));
        }
    };

    private static Double nullIfNaN(double d) {
        return Double.isNaN(d) ? null : d;
    }

    private static double nanIfNull(Object o) {
        return o == null ? Double.NaN : (Double) o;
    }

    private static String str(GenericRecord g, String field) {
        Object v = g.get(field);
        return v == null ? null : v.toString();
    }
}
