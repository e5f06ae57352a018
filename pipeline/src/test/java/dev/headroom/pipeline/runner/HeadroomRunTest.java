package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.stages.evaluate.CaseResult;
import dev.headroom.stages.evaluate.CellSummary;
import dev.headroom.stages.evaluate.EvalTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole run on the DirectRunner: outputs, report, provenance, resume, refusal. */
class HeadroomRunTest {

    @TempDir Path dir;

    private Path writeConfig(String name, int samples) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(
                file,
                "model: "
                        + TestModels.tinyLlama()
                        + "\n"
                        + "output: "
                        + dir.resolve("run")
                        + "\n"
                        + "runner:\n  parallelism: 2\n"
                        + "stages:\n"
                        + "  - stage: evaluate\n"
                        + "    tasks: [copy, mqar]\n"
                        + "    mqar_pairs: 4\n"
                        + "    lengths: [32, 64]\n"
                        + "    depths: [0.0, 1.0]\n"
                        + "    samples: "
                        + samples
                        + "\n"
                        + "    methods:\n"
                        + "      - method: dense\n"
                        + "      - method: uniform\n"
                        + "        sink: 2\n"
                        + "        window_fraction: 0.25\n");
        return file;
    }

    @Test
    void writesTablesReportAndProvenanceThenResumesAndRefusesAnotherConfig() throws Exception {
        Path config = writeConfig("a.yaml", 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HeadroomRun run =
                new HeadroomRun(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        HeadroomRun.Outcome first = run.run(config, HeadroomRun.RunnerOverrides.NONE);
        assertEquals(List.of(), first.skippedStages());

        Path reports = first.runDirectory().resolve("reports");
        List<CaseResult> results =
                ParquetTables.read(EvalTables.RESULTS, reports.resolve("eval_results.parquet"));
        List<CellSummary> summary =
                ParquetTables.read(EvalTables.SUMMARY, reports.resolve("eval_summary.parquet"));
        assertEquals(2 * 2 * 2 * 2, results.size()); // methods x tasks x lengths x depths
        assertEquals(2 * 2 * 2, summary.size()); // methods x tasks x lengths
        for (CellSummary s : summary) {
            assertEquals(2, s.cases());
            assertTrue(s.ciLow() <= s.accuracy() && s.accuracy() <= s.ciHigh(), s.toString());
        }
        try (var files = Files.list(reports)) {
            assertEquals(
                    List.of("eval_results.parquet", "eval_summary.parquet"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files left behind");
        }

        String html = Files.readString(first.reportHtml());
        assertTrue(
                html.contains("<svg")
                        && html.contains("Evaluation summary")
                        && html.contains("accuracy vs KV-cache bytes"));
        assertFalse(
                html.replace("http://www.w3.org/2000/svg", "")
                        .matches("(?s).*(https?:|<script|<link).*"),
                "the report is self-contained");

        JsonNode provenance =
                new ObjectMapper()
                        .readTree(
                                first.runDirectory().resolve("artifacts/provenance.json").toFile());
        for (String key :
                List.of(
                        "config_hash",
                        "code_version",
                        "java",
                        "libraries",
                        "started",
                        "ended",
                        "model_fingerprint")) {
            assertTrue(provenance.hasNonNull(key), "provenance has " + key);
        }
        assertEquals("2.62.0", provenance.path("libraries").path("beam").asText());
        assertTrue(
                Files.isRegularFile(
                        first.runDirectory().resolve("artifacts/config.resolved.json")));
        String console = out.toString(StandardCharsets.UTF_8);
        assertTrue(
                console.contains("method")
                        && console.contains("uniform-25pct")
                        && console.contains("report:"),
                console);
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("16/16 cases"),
                err.toString(StandardCharsets.UTF_8));

        // Same config again: the stage is skipped and the tables stay.
        ByteArrayOutputStream err2 = new ByteArrayOutputStream();
        HeadroomRun again =
                new HeadroomRun(
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err2, true, StandardCharsets.UTF_8));
        assertEquals(
                List.of("evaluate"),
                again.run(config, new HeadroomRun.RunnerOverrides(null, null, 1)).skippedStages());
        assertTrue(
                err2.toString(StandardCharsets.UTF_8).contains("stage 1/1 evaluate: skipped"),
                err2.toString(StandardCharsets.UTF_8));

        // Another config into the same directory: refused with advice.
        Path other = writeConfig("b.yaml", 2);
        HeadroomException refused =
                assertThrows(
                        HeadroomException.class,
                        () -> again.run(other, HeadroomRun.RunnerOverrides.NONE));
        assertTrue(
                refused.getMessage().contains("holds a run of a different config")
                        && refused.getMessage()
                                .contains(
                                        "to resume that run, run "
                                                + first.runDirectory()
                                                        .resolve("artifacts/config.yaml"))
                        && refused.getMessage()
                                .contains("set 'output' in b.yaml to another directory"),
                refused.getMessage());
    }
}
