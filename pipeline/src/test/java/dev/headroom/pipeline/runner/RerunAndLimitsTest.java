package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.config.RunnerKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rerun that skips everything leaves provenance.json alone and appends to the history; big stages
 * need --yes.
 */
class RerunAndLimitsTest {

    @TempDir Path dir;

    private Path writeConfig(String runner) throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(
                file,
                "model: "
                        + TestModels.tinyLlama()
                        + "\n"
                        + "output: run\n"
                        + "runner:\n  parallelism: 2\n"
                        + runner
                        + "stages:\n"
                        + "  - stage: evaluate\n"
                        + "    tasks: [copy]\n"
                        + "    lengths: [32, 64]\n"
                        + "    depths: [0.0, 1.0]\n"
                        + "    methods:\n"
                        + "      - method: dense\n"
                        + "      - method: uniform\n"
                        + "        window: 8\n");
        return file;
    }

    private static PrintStream sink(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    @Test
    void aRerunThatSkipsEveryStageAppendsToTheHistoryAndKeepsTheProvenance() throws Exception {
        Path config = writeConfig("");
        HeadroomRun.Outcome first =
                new HeadroomRun(
                                sink(new ByteArrayOutputStream()),
                                sink(new ByteArrayOutputStream()))
                        .run(config, HeadroomRun.RunnerOverrides.NONE, dir);
        Path artifacts = first.runDirectory().resolve("artifacts");
        Path provenance = artifacts.resolve("provenance.json");
        String made = Files.readString(provenance);
        JsonNode p = new ObjectMapper().readTree(made);
        assertEquals("direct", p.path("runner").asText());
        assertTrue(p.hasNonNull("ended"));
        assertTrue(p.path("stages").path("0-evaluate").asText().startsWith("ran in "), made);
        assertFalse(
                Files.exists(artifacts.resolve(Provenance.HISTORY_FILE)),
                "a first run has no history");

        // The same config on another runner: everything is skipped, so nothing of the results
        // changed.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HeadroomRun.Outcome again =
                new HeadroomRun(sink(new ByteArrayOutputStream()), sink(err))
                        .run(
                                config,
                                new HeadroomRun.RunnerOverrides(RunnerKind.FLINK, null, 1),
                                dir);
        assertEquals(List.of("evaluate"), again.skippedStages());
        assertEquals(
                made,
                Files.readString(provenance),
                "provenance.json still describes the run that made the results");
        List<String> history = Files.readAllLines(artifacts.resolve(Provenance.HISTORY_FILE));
        assertEquals(1, history.size());
        JsonNode rerun = new ObjectMapper().readTree(history.get(0));
        assertEquals("rerun", rerun.path("event").asText());
        assertEquals("flink", rerun.path("runner").asText());
        assertEquals(1, rerun.path("parallelism").asInt());
        assertEquals("skipped (complete)", rerun.path("stages").path("0-evaluate").asText());
        assertTrue(rerun.hasNonNull("started") && rerun.hasNonNull("ended"));
        String html = Files.readString(again.reportHtml());
        assertTrue(
                html.contains(p.path("started").asText())
                        && html.contains("every stage was complete"),
                "the report shows the maker");

        new HeadroomRun(sink(new ByteArrayOutputStream()), sink(new ByteArrayOutputStream()))
                .run(config, HeadroomRun.RunnerOverrides.NONE, dir);
        assertEquals(
                2,
                Files.readAllLines(artifacts.resolve(Provenance.HISTORY_FILE)).size(),
                "one line per rerun");
        assertEquals(made, Files.readString(provenance));
    }

    @Test
    void aRunThatMakesResultsMovesTheProvenanceItReplacesToTheHistory() throws Exception {
        Path artifacts = dir.resolve("artifacts");
        Files.createDirectories(artifacts);
        Path provenance = artifacts.resolve(Provenance.FILE);
        Path history = artifacts.resolve(Provenance.HISTORY_FILE);
        Provenance.supersede(provenance, history, Instant.EPOCH);
        assertFalse(Files.exists(history), "nothing to move");
        Files.writeString(
                provenance,
                "{\n  \"runner\" : \"direct\",\n  \"started\" : \"2026-01-01T00:00:00Z\"\n}\n");
        Provenance.supersede(provenance, history, Instant.parse("2026-02-01T00:00:00Z"));
        List<String> lines = Files.readAllLines(history);
        assertEquals(
                List.of(
                        "{\"event\":\"superseded\",\"superseded_by_run_started\":\"2026-02-01T00:00:00Z\",\"runner\":\"direct\","
                                + "\"started\":\"2026-01-01T00:00:00Z\"}"),
                lines);
    }

    @Test
    void aGridAboveMaxUnitsIsRefusedWithTheConfigUntilConfirmed() throws Exception {
        Path config = writeConfig("  max_units: 7\n"); // the grid has 2 x 1 x 2 x 2 = 8 cases
        HeadroomException refused =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                new HeadroomRun(
                                                sink(new ByteArrayOutputStream()),
                                                sink(new ByteArrayOutputStream()))
                                        .run(config, HeadroomRun.RunnerOverrides.NONE, dir));
        assertEquals(
                config
                        + ":7:5: stages[0].stage: 8 cases, more than the 7 a stage runs without"
                        + " confirmation (runner.max_units); to run them, add --yes, or set"
                        + " 'max_units: 8' under 'runner:' in a.yaml (the runner section does not"
                        + " change the run's hash)",
                refused.getMessage());
        assertFalse(Files.exists(dir.resolve("run")), "refused before the run directory is made");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HeadroomRun.Outcome ran =
                new HeadroomRun(sink(new ByteArrayOutputStream()), sink(err))
                        .run(config, new HeadroomRun.RunnerOverrides(null, null, null, true), dir);
        assertEquals(List.of(), ran.skippedStages());
        List<String> log = err.toString(StandardCharsets.UTF_8).lines().toList();
        int probe = indexOf(log, "evaluate: probe: dense copy at 32 tokens ");
        int estimate = indexOf(log, "evaluate: 8 cases, estimated ");
        int counting = indexOf(log, "evaluate: 8 cases to run");
        assertTrue(
                probe >= 0 && probe < estimate && estimate < counting,
                "probe, estimate, then the pipeline:\n" + String.join("\n", log));
        assertTrue(log.get(probe).contains(", at 64 tokens "), log.get(probe));
        assertTrue(
                log.get(estimate).endsWith(" at parallelism 2 (every method timed like dense)"),
                log.get(estimate));
        assertTrue(log.stream().anyMatch(l -> l.contains("8/8 cases")), String.join("\n", log));
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) return i;
        }
        return -1;
    }
}
