package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.TinyWordModel;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.runner.HeadroomRun;
import dev.headroom.stages.evaluate.CellSummary;
import dev.headroom.stages.evaluate.EvalTables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of profile, evaluate and export, SIGKILLed at random moments again and again (each time the
 * same command is started again, it resumes): after every kill, nothing in the run directory looks
 * complete without being complete. Every Parquet table reads whole, every JSON artifact parses, the
 * report ends, a stage recorded as completed has its outputs, an exported model's manifest holds;
 * anything else is under a temporary name. Finally the run completes and its eval_summary equals an
 * uninterrupted run's.
 */
class KillAtRandomPointsTest {
    @TempDir Path dir;

    private static final int KILLS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path model() throws Exception {
        Path demo = TestModels.repoRoot().resolve("models/demo");
        if (Files.isRegularFile(demo.resolve("tokenizer.json"))) return demo;
        Path tiny = dir.resolve("tiny-word-model");
        if (!Files.exists(tiny)) TinyWordModel.create(tiny);
        return tiny;
    }

    private Path config(Path where) throws Exception {
        Files.createDirectories(where);
        Path file = where.resolve("chain.yaml");
        Files.writeString(
                file,
                "model: "
                        + model()
                        + "\noutput: run\n"
                        + "calibration:\n  tasks: [passkey]\n  lengths: [128, 256]\n  samples: 2\n"
                        + "stages:\n"
                        + "  - stage: profile\n    block: 16\n    sink: 4\n    add_bos: false\n"
                        + "  - stage: evaluate\n    tasks: [passkey, niah_single]\n"
                        + "    lengths: [128, 256]\n    depths: [0.0, 0.5, 1.0]\n"
                        + "    max_new_tokens: 8\n    add_bos: false\n    methods:\n"
                        + "      - method: dense\n      - {method: uniform, sink: 4, window: 16}\n"
                        + "  - stage: export\n");
        return file;
    }

    @Test
    void nothingLooksCompleteThatIsNotAndTheRunStillCompletes() throws Exception {
        Path whole = dir.resolve("whole"), killed = dir.resolve("killed");
        long t0 = System.nanoTime();
        Process full =
                CliProcess.start(whole, whole.resolve("run.log"), "run", config(whole).toString());
        assertTrue(full.waitFor(300, TimeUnit.SECONDS), "the uninterrupted run ended");
        assertEquals(0, full.exitValue(), () -> read(whole.resolve("run.log")));
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<CellSummary> expected = summary(whole.resolve("run"));

        Path cfg = config(killed), run = killed.resolve("run");
        Random random = new Random(20261202);
        List<String> kills = new ArrayList<>();
        for (int k = 0; k < KILLS; k++) {
            long delay = (long) (1000 * seconds * (0.1 + 0.8 * random.nextDouble()));
            Path log = killed.resolve("kill-" + k + ".log");
            Process p = CliProcess.start(killed, log, "run", cfg.toString());
            if (p.waitFor(delay, TimeUnit.MILLISECONDS)) {
                kills.add(delay + " ms: ended first (" + p.exitValue() + ")");
                assertEquals(0, p.exitValue(), () -> read(log));
                break;
            }
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            kills.add(delay + " ms: " + lastLine(log));
            checkNothingLooksComplete(run, kills.toString());
        }

        HeadroomRun.Outcome done =
                new HeadroomRun(sink(), sink()).run(cfg, HeadroomRun.RunnerOverrides.NONE, killed);
        checkNothingLooksComplete(run, kills.toString());
        assertEquals(expected, summary(done.runDirectory()), "after the kills " + kills);
    }

    /** The run directory as a SIGKILL left it: complete files or temporary names only. */
    private static void checkNothingLooksComplete(Path run, String kills) throws IOException {
        if (!Files.isDirectory(run)) return;
        List<Path> files;
        try (Stream<Path> s = Files.walk(run)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path rel = run.relativize(f);
            String name = f.getFileName().toString();
            if (isTemporary(rel)) continue;
            String where = rel + " after kills " + kills;
            if (name.endsWith(".parquet")) {
                byte[] b = Files.readAllBytes(f);
                assertTrue(
                        b.length >= 8
                                && new String(b, 0, 4, StandardCharsets.US_ASCII).equals("PAR1")
                                && new String(b, b.length - 4, 4, StandardCharsets.US_ASCII)
                                        .equals("PAR1"),
                        where + ": a Parquet file without its footer");
            } else if (name.endsWith(".json")) {
                try {
                    JSON.readTree(f.toFile());
                } catch (IOException e) {
                    throw new AssertionError(where + ": JSON that does not parse: " + e);
                }
            } else if (name.endsWith(".html")) {
                assertTrue(Files.readString(f).stripTrailing().endsWith("</html>"), where);
            }
        }
        Path results = run.resolve("reports/eval_results.parquet");
        if (Files.exists(results)) ParquetTables.read(EvalTables.RESULTS, results);
        Path summary = run.resolve("reports/eval_summary.parquet");
        if (Files.exists(summary)) ParquetTables.read(EvalTables.SUMMARY, summary);
        Path model = run.resolve("artifacts/model");
        if (Files.isDirectory(model)) {
            try {
                ArtifactManifest.verify(model);
            } catch (HeadroomException e) {
                throw new AssertionError("artifacts/model after kills " + kills + ": " + e);
            }
        }
        Path stages = run.resolve("artifacts/stages");
        if (Files.isDirectory(stages)) {
            try (Stream<Path> s = Files.list(stages)) {
                for (Path ledger : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                    String stage =
                            ledger.getFileName().toString().replaceAll("^\\d+-|\\.json$", "");
                    Path table =
                            switch (stage) {
                                case "profile" -> run.resolve("reports/profile_heads.parquet");
                                case "evaluate" -> summary;
                                case "export" -> model.resolve(ArtifactManifest.FILE);
                                default -> null;
                            };
                    if (table != null)
                        assertTrue(
                                Files.isRegularFile(table),
                                stage
                                        + " is recorded as completed without "
                                        + run.relativize(table));
                }
            }
        }
    }

    /** Scratch the run keeps under temporary names: dot-files and folders, *.tmp*. */
    private static boolean isTemporary(Path rel) {
        for (Path part : rel) {
            String n = part.toString();
            if (n.startsWith(".") || n.contains(".tmp") || n.contains("tmp-")) return true;
        }
        return false;
    }

    private static List<CellSummary> summary(Path run) {
        List<CellSummary> rows =
                new ArrayList<>(
                        ParquetTables.read(
                                EvalTables.SUMMARY, run.resolve("reports/eval_summary.parquet")));
        rows.sort(
                Comparator.comparing(CellSummary::method)
                        .thenComparing(CellSummary::task)
                        .thenComparingInt(CellSummary::length));
        return rows;
    }

    private static PrintStream sink() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static String lastLine(Path log) {
        List<String> lines = read(log).lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }
}
