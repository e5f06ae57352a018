package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.ModelCache;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.api.EvalMethod;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/**
 * The evaluate stage's transform on a tiny fixture model (token-level tasks: it has no tokenizer).
 */
class EvaluateCasesTest {

    /** 2 layers x 2 KV heads x 16 dims x (K and V) x 2 bytes (bf16 cache). */
    static final long KV_BYTES_PER_TOKEN = 2L * 2 * 16 * 2 * 2;

    @Test
    void runsEveryGridElementWithExactCacheBytesAndDensity() {
        Path model = TestModels.tinyLlama();
        EvalMethod dense = new EvalMethod("dense", new DensePolicy());
        EvalMethod uniform = new EvalMethod("uniform-w8", UniformSinkWindowPolicy.tokens(2, 8));
        EvalGrid grid =
                new EvalGrid(
                        List.of(dense, uniform),
                        List.of(TaskSpec.of("copy"), new TaskSpec("mqar", 0, 4, null)),
                        List.of(32, 64),
                        List.of(0.0, 1.0),
                        1,
                        11L);
        assertEquals(16, grid.size());
        assertEquals(16, grid.cases().size());

        int loadsBefore = ModelCache.loads();
        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<CaseResult> results =
                p.apply(Create.of(grid.cases()).withCoder(SerializableCoder.of(EvalCase.class)))
                        .apply(new EvaluateCases(model.toString(), false, null));
        PAssert.that(results.apply(Count.globally())).containsInAnyOrder(16L);
        PAssert.that(results)
                .satisfies(
                        rows -> {
                            for (CaseResult r : rows) {
                                assertTrue(r.score() >= 0 && r.score() <= 1, r.toString());
                                assertEquals(
                                        r.length(),
                                        r.promptTokens()
                                                + (r.task().equals("copy") ? r.length() % 2 : 0),
                                        r.toString());
                                if (r.method().equals("dense")) {
                                    assertEquals(1.0, r.density(), 1e-12);
                                    assertEquals(
                                            KV_BYTES_PER_TOKEN * r.promptTokens(),
                                            r.kvCacheBytes(),
                                            r.toString());
                                } else {
                                    // 2 sink + 8 window tokens per KV head, far fewer pairs than
                                    // causal.
                                    assertEquals(
                                            KV_BYTES_PER_TOKEN * 10,
                                            r.kvCacheBytes(),
                                            r.toString());
                                    assertTrue(r.density() < 0.6, r.toString());
                                }
                                assertEquals(r.score() >= 1.0, r.correct());
                            }
                            return null;
                        });
        p.run().waitUntilFinish();
        assertTrue(
                ModelCache.loads() - loadsBefore <= 1,
                "the model is loaded at most once per JVM, by whichever DoFn comes first");
    }

    @Test
    void aFailingCaseFailsTheRunWithItsCoordinates() {
        Path model = TestModels.tinyLlama();
        // Length 3 is too short for a copy case: the generator throws.
        EvalCase bad =
                new EvalCase(
                        new EvalMethod("dense", new DensePolicy()),
                        TaskSpec.of("copy"),
                        3,
                        0.5,
                        2,
                        1L);
        Pipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        p.apply(Create.of(List.of(bad)).withCoder(SerializableCoder.of(EvalCase.class)))
                .apply(new EvaluateCases(model.toString(), false, null));
        Throwable t = assertThrows(RuntimeException.class, () -> p.run().waitUntilFinish());
        CaseFailedException failure = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CaseFailedException f) {
                failure = f;
            }
        }
        assertTrue(failure != null, "expected a CaseFailedException in " + t);
        assertTrue(
                failure.getMessage()
                        .startsWith(
                                "case method=dense task=copy length=3 depth=0.5 sample=2 failed: "),
                failure.getMessage());
    }
}
