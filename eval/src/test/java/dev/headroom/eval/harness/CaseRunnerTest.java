package dev.headroom.eval.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.TaskCase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Running cases through the runtime, checked against the model's own logits. */
class CaseRunnerTest {

    static Path repoRoot() {
        String root = System.getProperty("headroom.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static Path tinyLlama() {
        Path dir = repoRoot().resolve("attention/src/test/resources/hf-fixtures/llama_f32_tied");
        Assumptions.assumeTrue(Files.isDirectory(dir), "fixture missing: " + dir);
        return dir;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void tokenCaseScoresTheArgmaxAtTargetsAndCountsCacheBytes() {
        LoadedModel model = (LoadedModel) ModelCache.get(tinyLlama(), Backend.CPU);
        TaskCase c = TaskFactory.build(TaskSpec.of("copy"), model, true).generate(40, 0.5, 0, 3L);
        assertEquals(model.config().bosTokenId(), c.promptIds()[0]);
        float[][] logits = model.logits(c.promptIds(), new DensePolicy());
        int correct = 0;
        for (int i = 0; i < c.targetPositions().length; i++) {
            correct += argmax(logits[c.targetPositions()[i]]) == c.expectedIds()[i] ? 1 : 0;
        }
        CaseOutcome dense = new CaseRunner(model, true).run(c, new DensePolicy());
        assertEquals((double) correct / c.targetPositions().length, dense.score(), 1e-12);
        assertEquals(1.0, dense.density(), 0.0);
        // 2 layers x 2 KV heads x 16 dims x K,V x 2 bytes per token
        assertEquals(256L * c.promptIds().length, dense.kvCacheBytes());
        assertTrue(Double.isNaN(dense.klDivergence()));

        CaseOutcome window =
                new CaseRunner(model, true).run(c, UniformSinkWindowPolicy.tokens(1, 7));
        assertEquals(256L * 8, window.kvCacheBytes());
        assertTrue(window.density() < 0.5, "density " + window.density());
    }

    @Test
    void klProbeIsZeroAgainstItselfAndMatchesAHandComputedPerplexity() {
        LoadedModel model = (LoadedModel) ModelCache.get(tinyLlama(), Backend.CPU);
        int[] text = new int[60];
        for (int i = 0; i < text.length; i++) {
            text[i] = 3 + (i * 37) % 120;
        }
        TextWindowTask task = new TextWindowTask(text, new int[0]);
        TaskCase c = task.generate(32, 0.0, 0, 0L);
        float[][] logits = model.logits(c.promptIds(), new DensePolicy());
        double nll = 0;
        for (int i = 0; i < 31; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : logits[i]) {
                sum += Math.exp(v - max);
            }
            nll -= logits[i][c.promptIds()[i + 1]] - max - Math.log(sum);
        }
        CaseOutcome dense = new CaseRunner(model, false).run(c, new DensePolicy());
        assertEquals(0.0, dense.klDivergence(), 1e-5);
        assertEquals(1.0, dense.score(), 0.0);
        assertEquals(Math.exp(nll / 31), dense.perplexity(), 1e-3 * dense.perplexity());

        CaseOutcome narrow =
                new CaseRunner(model, false).run(c, UniformSinkWindowPolicy.tokens(1, 4));
        assertTrue(narrow.klDivergence() > 0, "KL " + narrow.klDivergence());
        assertTrue(narrow.score() < 1.0);
    }

    @Test
    void klProbeWithBosScoresPositionZeroOnTheFirstTextId() {
        LoadedModel model = (LoadedModel) ModelCache.get(tinyLlama(), Backend.CPU);
        int bos = model.config().bosTokenId();
        int[] text = new int[40];
        for (int i = 0; i < text.length; i++) {
            text[i] = 3 + (i * 53) % 100;
        }
        TaskCase c = new TextWindowTask(text, new int[] {bos}, bos).generate(24, 0.0, 0, 0L);
        float[][] logits = model.logits(c.promptIds(), new DensePolicy());
        // By hand: the prompt is BOS, text[0..22]; the logits at position i score prompt[i + 1] =
        // text[i].
        double nll = 0;
        for (int i = 0; i < 23; i++) {
            nll -= CaseRunner.logSoftmax(logits[i])[text[i]];
        }
        CaseOutcome dense = new CaseRunner(model, true).run(c, new DensePolicy());
        assertEquals(24, dense.promptTokens());
        assertEquals(Math.exp(nll / 23), dense.perplexity(), 1e-9 * dense.perplexity());
    }

    /** The runner dispatches on the case's scoring, not on its task name. */
    @Test
    void scoringDecidesHowACaseRuns() {
        LoadedModel model = (LoadedModel) ModelCache.get(tinyLlama(), Backend.CPU);
        int[] ids = {1, 5, 9, 14, 5, 9, 14, 22};
        int[] positions = {0, 1, 2, 3, 4, 5, 6};
        int[] next = {5, 9, 14, 5, 9, 14, 22};
        CaseRunner runner = new CaseRunner(model, false);
        TaskCase namedCopy =
                TaskCase.tokens(
                        "copy",
                        8,
                        0.0,
                        0,
                        0L,
                        ids,
                        positions,
                        next,
                        java.util.List.of(),
                        new Scoring.CompareToDense());
        CaseOutcome compared = runner.run(namedCopy, UniformSinkWindowPolicy.tokens(1, 2));
        assertTrue(
                compared.klDivergence() > 0 && compared.perplexity() > 1,
                "compared to dense: " + compared);

        TaskCase namedKl =
                TaskCase.tokens(
                        TextWindowTask.NAME,
                        8,
                        0.0,
                        0,
                        0L,
                        ids,
                        positions,
                        next,
                        java.util.List.of(),
                        new Scoring.TeacherForcedArgmax());
        CaseOutcome forced = runner.run(namedKl, new DensePolicy());
        assertTrue(
                Double.isNaN(forced.klDivergence()) && Double.isNaN(forced.perplexity()),
                "teacher-forced: " + forced);
        float[][] logits = model.logits(ids, new DensePolicy());
        int correct = 0;
        for (int i = 0; i < positions.length; i++) {
            correct += argmax(logits[i]) == next[i] ? 1 : 0;
        }
        assertEquals(correct / 7.0, forced.score(), 1e-12);
    }

    @Test
    void modelIsLoadedOncePerDirectory() {
        LanguageModelRuntime a = ModelCache.get(tinyLlama());
        LanguageModelRuntime b =
                ModelCache.get(tinyLlama().resolve("..").resolve(tinyLlama().getFileName()));
        assertTrue(a == b);
    }
}
