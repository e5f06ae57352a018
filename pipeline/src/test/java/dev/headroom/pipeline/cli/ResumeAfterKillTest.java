package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.runner.HeadroomRun;
import dev.headroom.stages.evaluate.CaseResult;
import dev.headroom.stages.evaluate.EvalTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run SIGKILLed in the middle of its evaluate stage, then rerun with the same command: the rerun
 * runs only the cases the killed run had not finished, and its eval_results equal an uninterrupted
 * run's, every case once (timings aside).
 */
class ResumeAfterKillTest {
    @TempDir Path dir;

    private Path config(Path where) throws Exception {
        Files.createDirectories(where);
        Path file = where.resolve("grid.yaml");
        Files.writeString(
                file,
                "model: "
                        + TestModels.tinyLlama()
                        + "\noutput: run\nstages:\n  - stage: evaluate\n    tasks: [copy]\n"
                        + "    lengths: [64, 128, 256]\n    samples: 12\n    depths: [0.0]\n"
                        + "    methods:\n      - method: dense\n      - {method: uniform, window: 8}\n");
        return file;
    }

    /** eval_results by case, without the timing columns. */
    private static Map<String, String> results(Path run) {
        Map<String, String> out = new TreeMap<>();
        for (CaseResult r :
                ParquetTables.read(
                        EvalTables.RESULTS, run.resolve("reports/eval_results.parquet"))) {
            String key = r.caseKey();
            String value =
                    r.prediction()
                            + " "
                            + r.score()
                            + " "
                            + r.kvCacheBytes()
                            + " "
                            + r.density()
                            + " "
                            + r.promptTokens();
            assertEquals(null, out.put(key, value), "case twice: " + key);
        }
        return out;
    }

    private static long finishedCases(Path run) throws Exception {
        Path journal = run.resolve(".evaluate-cases");
        if (!Files.isDirectory(journal)) return 0;
        try (Stream<Path> s = Files.walk(journal)) {
            return s.filter(p -> p.toString().endsWith(".case")).count();
        }
    }

    private static PrintStream sink(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    @Test
    void aRunKilledMidStageResumesWithTheCasesNotYetDone() throws Exception {
        Path whole = dir.resolve("whole"), killed = dir.resolve("killed");
        HeadroomRun.Outcome uninterrupted =
                new HeadroomRun(
                                sink(new ByteArrayOutputStream()),
                                sink(new ByteArrayOutputStream()))
                        .run(config(whole), HeadroomRun.RunnerOverrides.NONE, whole);
        Map<String, String> expected = results(uninterrupted.runDirectory());
        assertEquals(72, expected.size());

        Path cfg = config(killed), run = killed.resolve("run");
        Process p = CliProcess.start(killed, killed.resolve("first.log"), "run", cfg.toString());
        long before;
        for (long t0 = System.nanoTime(); ; Thread.sleep(20)) {
            assertTrue((System.nanoTime() - t0) / 1e9 < 180, "no case finished");
            assertTrue(
                    p.isAlive(),
                    () ->
                            "the run ended before it was killed: "
                                    + read(killed.resolve("first.log")));
            if (finishedCases(run) >= expected.size() / 3) break;
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        before = finishedCases(run);
        assertTrue(
                before < expected.size(),
                "killed before the stage ended (" + before + " cases kept)");
        assertFalse(
                Files.exists(run.resolve("reports/eval_results.parquet")),
                "no table that looks complete");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HeadroomRun.Outcome resumed =
                new HeadroomRun(sink(new ByteArrayOutputStream()), sink(err))
                        .run(cfg, HeadroomRun.RunnerOverrides.NONE, killed);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("evaluate: resuming: "), text);
        assertTrue(
                text.contains("which is no longer running; taking the run directory over"), text);
        assertEquals(
                expected,
                results(resumed.runDirectory()),
                "the resumed table equals the uninterrupted one");
        assertFalse(
                Files.exists(run.resolve(".evaluate-cases")),
                "the journal is removed once the tables are written");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (Exception e) {
            return "";
        }
    }
}
