package dev.headroom.stages.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.harness.ModelCache;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.EvalMethod;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Depths that give the same case run once: the {@code kl} windows of a two-document text, on a tiny
 * fixture model (token ids: it has no tokenizer).
 */
class DistinctCasesTest {

    static final List<Double> DEPTHS = List.of(0.0, 0.25, 0.5, 0.75, 1.0);
    static final int SAMPLES = 2;

    /** Two documents of token ids, each after the model's BOS id (1). */
    static Path twoDocuments(Path dir) throws Exception {
        String first =
                IntStream.range(0, 40)
                        .mapToObj(i -> Integer.toString(3 + (i * 7) % 100))
                        .collect(Collectors.joining(" "));
        String second =
                IntStream.range(0, 40)
                        .mapToObj(i -> Integer.toString(3 + (i * 11) % 100))
                        .collect(Collectors.joining(" "));
        Path file = dir.resolve("two-documents.ids");
        Files.writeString(file, "1 " + first + " 1 " + second + "\n");
        return file;
    }

    @Test
    void klDepthsThatPickTheSameDocumentRunOnceAndCountOnce(@TempDir Path dir) throws Exception {
        Path model = TestModels.tinyLlama();
        LanguageModelRuntime runtime = ModelCache.get(model);
        TaskSpec kl = new TaskSpec("kl", 0, 8, twoDocuments(dir).toString());
        TaskSpec copy = TaskSpec.of("copy");
        EvalMethod dense = new EvalMethod("dense", new DensePolicy());
        EvalMethod uniform = new EvalMethod("uniform-w8", UniformSinkWindowPolicy.tokens(2, 8));
        EvalGrid grid =
                new EvalGrid(
                        List.of(dense, uniform),
                        List.of(kl, copy),
                        List.of(24, 32),
                        DEPTHS,
                        SAMPLES,
                        5L);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<EvalCase> cases =
                EvaluateStage.distinctCases(
                        grid, runtime, false, new PrintStream(log, true, StandardCharsets.UTF_8));
        String err = log.toString(StandardCharsets.UTF_8);

        // kl: 2 documents, so 2 windows per cell; copy seeds each case by its coordinates: all 10
        int perMethod = 2 * 2 + 2 * DEPTHS.size() * SAMPLES;
        assertEquals(2 * perMethod, cases.size(), "cases to run");
        assertTrue(
                err.contains(
                        "evaluate: kl at 24 tokens: 2 of 10 depth x sample coordinates give"
                                + " distinct cases; each runs once"),
                err);
        assertFalse(err.contains("copy"), err);

        // the kept cases of a cell differ, and every coordinate's case is one of them
        TaskGenerator generator = TaskFactory.build(kl, runtime, false);
        for (EvalMethod m : List.of(dense, uniform)) {
            for (int length : List.of(24, 32)) {
                List<TaskCase> kept = new ArrayList<>();
                for (EvalCase c : cases) {
                    if (c.method().equals(m) && c.task().equals(kl) && c.length() == length) {
                        kept.add(generator.generate(length, c.depth(), c.sample(), c.seed()));
                    }
                }
                assertEquals(2, kept.size());
                assertFalse(kept.get(0).sameCaseAs(kept.get(1)), "distinct windows");
                for (double depth : DEPTHS) {
                    for (int s = 0; s < SAMPLES; s++) {
                        TaskCase any = generator.generate(length, depth, s, 5L);
                        assertTrue(
                                kept.stream().anyMatch(any::sameCaseAs),
                                "depth " + depth + " sample " + s + " is a kept case");
                    }
                }
            }
        }

        // each cell's interval counts its distinct cases
        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<CellSummary> summary =
                p.apply(Create.of(cases).withCoder(SerializableCoder.of(EvalCase.class)))
                        .apply(new EvaluateCases(model.toString(), false, null))
                        .apply(new SummarizeCells());
        PAssert.that(summary)
                .satisfies(
                        cells -> {
                            int n = 0;
                            for (CellSummary c : cells) {
                                n++;
                                int expected = c.task().equals("kl") ? 2 : DEPTHS.size() * SAMPLES;
                                assertEquals(expected, c.cases(), c.toString());
                                double[] ci =
                                        WilsonInterval.of(
                                                c.accuracy(), expected, WilsonInterval.Z95);
                                assertEquals(ci[0], c.ciLow(), 1e-12, c.toString());
                                assertEquals(ci[1], c.ciHigh(), 1e-12, c.toString());
                            }
                            assertEquals(2 * 2 * 2, n, "method x task x length cells");
                            return null;
                        });
        p.run().waitUntilFinish();
    }
}
