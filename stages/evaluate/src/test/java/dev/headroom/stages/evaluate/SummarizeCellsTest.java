package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** Aggregation per cell against hand-made cases. */
class SummarizeCellsTest {

    static CaseResult result(
            String method,
            String task,
            int length,
            double depth,
            int sample,
            double score,
            long kvBytes,
            double density) {
        return CaseResult.builder()
                .method(method)
                .policy(method + "-policy")
                .task(task)
                .scoringRule("string_match_all")
                .length(length)
                .depth(depth)
                .sample(sample)
                .seed(7L)
                .promptTokens(length)
                .newTokens(3)
                .score(score)
                .correct(score >= 1.0)
                .prediction("pred")
                .kvCacheBytes(kvBytes)
                .density(density)
                .prefillMillis(1.5)
                .decodeMillis(2.5)
                .build();
    }

    @Test
    void meanScoreWilsonIntervalAndMeansPerCell() {
        List<CaseResult> cases = new ArrayList<>();
        // Cell dense/passkey/256: scores 1, 1, 0, 0.5 -> accuracy 0.625, 2 correct.
        cases.add(result("dense", "passkey", 256, 0.0, 0, 1.0, 1000, 1.0));
        cases.add(result("dense", "passkey", 256, 0.5, 0, 1.0, 1000, 1.0));
        cases.add(result("dense", "passkey", 256, 1.0, 0, 0.0, 1000, 1.0));
        cases.add(result("dense", "passkey", 256, 1.0, 1, 0.5, 3000, 1.0));
        // Cell uniform/passkey/256: one case.
        cases.add(result("uniform", "passkey", 256, 0.5, 0, 0.0, 400, 0.25));
        // Same method and task, other length: its own cell.
        cases.add(result("dense", "passkey", 512, 0.5, 0, 1.0, 2000, 1.0));

        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<CellSummary> summary =
                p.apply(Create.of(cases).withCoder(SerializableCoder.of(CaseResult.class)))
                        .apply(new SummarizeCells());
        double[] ci4 = WilsonInterval.of(0.625, 4, WilsonInterval.Z95);
        double[] ci1 = WilsonInterval.of(0.0, 1, WilsonInterval.Z95);
        double[] ci1full = WilsonInterval.of(1.0, 1, WilsonInterval.Z95);
        PAssert.that(summary)
                .containsInAnyOrder(
                        new CellSummary(
                                "dense",
                                "dense-policy",
                                "passkey",
                                256,
                                4,
                                2,
                                0.625,
                                ci4[0],
                                ci4[1],
                                256,
                                1500,
                                1.0,
                                Double.NaN,
                                Double.NaN),
                        new CellSummary(
                                "uniform",
                                "uniform-policy",
                                "passkey",
                                256,
                                1,
                                0,
                                0.0,
                                ci1[0],
                                ci1[1],
                                256,
                                400,
                                0.25,
                                Double.NaN,
                                Double.NaN),
                        new CellSummary(
                                "dense",
                                "dense-policy",
                                "passkey",
                                512,
                                1,
                                1,
                                1.0,
                                ci1full[0],
                                ci1full[1],
                                512,
                                2000,
                                1.0,
                                Double.NaN,
                                Double.NaN));
        p.run().waitUntilFinish();
    }

    @Test
    void summaryDoesNotDependOnTheOrderOfCases() {
        List<CaseResult> cases = new ArrayList<>();
        double[] scores = {0.1, 0.7, 0.3, 1.0 / 3, 0.9, 0.2, 2.0 / 3};
        for (int i = 0; i < scores.length; i++) {
            cases.add(result("m", "t", 64, i / 10.0, i, scores[i], 100 + i, 0.1 * i));
        }
        CellSummary forward = CellAccuracyFn.summarize(cases);
        for (int k = 0; k < 5; k++) {
            Collections.shuffle(cases, new java.util.Random(k));
            assertEquals(forward, CellAccuracyFn.summarize(cases));
        }
    }
}
