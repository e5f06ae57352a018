package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * Both tables map through RecordTable: the columns as documented, NaN probe values as nulls, and
 * back.
 */
class EvalTablesTest {

    @Test
    void resultsRoundTripByColumnName() {
        CaseResult r = SummarizeCellsTest.result("plan", "passkey", 512, 0.5, 1, 1.0, 1234, 0.35);
        GenericRecord g = EvalTables.RESULTS.toRecord(r, EvalTables.RESULTS.schema());
        assertEquals("plan-policy", g.get("policy"));
        assertEquals("string_match_all", g.get("scoring_rule"));
        assertEquals(1234L, g.get("kv_cache_bytes"));
        assertEquals(1.5, g.get("prefill_ms"));
        assertEquals(2.5, g.get("decode_ms"));
        assertNull(g.get("kl_divergence"));
        assertNull(g.get("perplexity"));
        assertEquals(r, EvalTables.RESULTS.fromRecord(g));

        CaseResult kl =
                CaseResult.builder()
                        .method("m")
                        .policy("p")
                        .task("kl")
                        .scoringRule("kl")
                        .prediction("")
                        .klDivergence(0.25)
                        .perplexity(3.5)
                        .build();
        GenericRecord k = EvalTables.RESULTS.toRecord(kl, EvalTables.RESULTS.schema());
        assertEquals(0.25, k.get("kl_divergence"));
        assertEquals(kl, EvalTables.RESULTS.fromRecord(k));
    }

    @Test
    void summaryRoundTripsByColumnName() {
        CellSummary s =
                new CellSummary(
                        "dense",
                        "dense",
                        "passkey",
                        256,
                        4,
                        2,
                        0.5,
                        0.1,
                        0.9,
                        256,
                        1500,
                        1.0,
                        Double.NaN,
                        2.0);
        GenericRecord g = EvalTables.SUMMARY.toRecord(s, EvalTables.SUMMARY.schema());
        assertEquals(0.1, g.get("ci_low"));
        assertEquals(1500.0, g.get("mean_kv_cache_bytes"));
        assertNull(g.get("mean_kl_divergence"));
        assertEquals(2.0, g.get("mean_perplexity"));
        assertEquals(s, EvalTables.SUMMARY.fromRecord(g));
    }
}
