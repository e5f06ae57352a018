package dev.headroom.eval.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import dev.headroom.eval.task.CellCoordinate;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The {@code kl} probe of configs/evaluate-stories260k.yaml on ../shared/models/stories260K
 * (skipped without it), against a hand computation. The text file is the model's greedy
 * continuation of BOS (id 1), so BOS + the text from its start is what the model predicts best: the
 * argmax at every position is the next id, and the dense perplexity is far below the vocabulary of
 * 512.
 */
class KlProbeStories260KTest {

    private static final int BOS = 1;
    private static final List<Integer> LENGTHS = List.of(128, 256, 512);
    private static final List<Double> DEPTHS = List.of(0.0, 0.5, 1.0);
    private static final int SAMPLES = 2;

    @Test
    void everyWindowIsBosPlusTheTextFromItsStartAndMatchesAHandComputedPerplexity()
            throws Exception {
        Path root = CaseRunnerTest.repoRoot();
        Path modelDir = root.resolve("../shared/models/stories260K").normalize();
        Path textFile = root.resolve("configs/data/stories260k-greedy-ids.txt");
        Assumptions.assumeTrue(
                Files.isRegularFile(modelDir.resolve("model.safetensors"))
                        && Files.isRegularFile(textFile),
                "no stories260K model or its text (skipping)");
        int[] text = TextWindowTask.parseIds(Files.readString(textFile));
        assertEquals(500, text.length);
        int[] golden = greedyTokens(Files.readString(modelDir.resolve("golden_greedy.json")));
        assertArrayEquals(
                golden,
                Arrays.copyOf(text, golden.length),
                "the text starts with the reference implementation's greedy continuation of BOS");

        LanguageModelRuntime model = ModelCache.get(modelDir, Backend.CPU);
        assertEquals(512, model.config().vocabSize());
        TaskGenerator kl =
                TaskFactory.build(new TaskSpec("kl", 0, 16, textFile.toString()), model, true);
        CaseRunner runner = new CaseRunner(model, true);
        for (int length : LENGTHS) {
            int[] expectedPrompt = new int[Math.min(length, 1 + text.length)];
            expectedPrompt[0] = BOS;
            System.arraycopy(text, 0, expectedPrompt, 1, expectedPrompt.length - 1);
            for (double depth : DEPTHS) {
                for (int sample = 0; sample < SAMPLES; sample++) {
                    String at = "length " + length + " depth " + depth + " sample " + sample;
                    TaskCase c = kl.generate(length, depth, sample, 7L);
                    assertArrayEquals(
                            expectedPrompt,
                            c.promptIds(),
                            at + ": BOS, then the text from its start");

                    int[] ids = c.promptIds();
                    float[][] logits;
                    try (RuntimeSequence seq = model.open(new DensePolicy(), ids.length)) {
                        logits = seq.prefillAll(ids);
                    }
                    double nll = 0;
                    for (int i = 0; i + 1 < ids.length; i++) {
                        double max = Double.NEGATIVE_INFINITY;
                        int best = 0;
                        for (int v = 0; v < logits[i].length; v++) {
                            max = Math.max(max, logits[i][v]);
                            best = logits[i][v] > logits[i][best] ? v : best;
                        }
                        double sum = 0;
                        for (float x : logits[i]) {
                            sum += Math.exp(x - max);
                        }
                        nll -= logits[i][ids[i + 1]] - max - Math.log(sum);
                        assertEquals(
                                ids[i + 1],
                                best,
                                at + ": the greedy continuation is the argmax at position " + i);
                    }
                    double perplexity = Math.exp(nll / (ids.length - 1));
                    CaseOutcome dense = runner.run(c, new DensePolicy());
                    assertEquals(perplexity, dense.perplexity(), 1e-9 * perplexity, at);
                    assertTrue(
                            dense.perplexity() < 4.0,
                            at + ": dense perplexity " + dense.perplexity());
                    assertEquals(1.0, dense.score(), 0.0, at);
                    assertEquals(0.0, dense.klDivergence(), 1e-9, at);
                }
            }
            assertEquals(
                    List.of(new CellCoordinate(0.0, 0)),
                    kl.distinctCoordinates(length, DEPTHS, SAMPLES, 7L),
                    "one document: every depth and sample is the same case");
        }
    }

    private static int[] greedyTokens(String json) {
        Matcher m = Pattern.compile("\"greedy_tokens\"\\s*:\\s*\\[([^\\]]*)]").matcher(json);
        assertTrue(m.find(), "golden_greedy.json has greedy_tokens");
        return Arrays.stream(m.group(1).split(","))
                .map(String::trim)
                .mapToInt(Integer::parseInt)
                .toArray();
    }
}
