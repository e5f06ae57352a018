package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.TinyWordModel;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.evaluate.CellSummary;
import dev.headroom.stages.evaluate.EvalTables;
import dev.headroom.stages.shared.ProfileTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configs/demo.yaml, shrunk, on the DirectRunner and on an embedded Flink mini-cluster: the
 * profile_heads tables agree value by value to 1e-6 relative, keyed by (layer, head, kv_head,
 * length, metric), and the eval_summary tables are identical.
 */
class RunnerEqualityTest {

    @TempDir Path dir;

    /** Relative tolerance of profile values across runners (summation order in the averages). */
    static final double PROFILE_TOLERANCE = 1e-6;

    /**
     * demo.yaml's profile and evaluate stages, with two calibration lengths of two samples per
     * task, and two evaluation lengths, two depths, one sample; on an untrained model in the demo's
     * format ({@link TinyWordModel}) while the trained demo model is absent.
     */
    private Path shrunkDemo(String name) throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode config =
                (ObjectNode)
                        yaml.readTree(TestModels.repoRoot().resolve("configs/demo.yaml").toFile());
        // profile and evaluate: search solves under a time limit, so its choice may depend on the
        // machine's load; plan methods need its artifacts
        ObjectNode profile = null, evaluate = null;
        for (var stage : config.withArray("stages")) {
            if ("profile".equals(stage.path("stage").asText())) profile = (ObjectNode) stage;
            if ("evaluate".equals(stage.path("stage").asText())) evaluate = (ObjectNode) stage;
        }
        assertNotNull(profile, "configs/demo.yaml has no profile stage");
        assertNotNull(evaluate, "configs/demo.yaml has no evaluate stage");
        config.set("stages", yaml.createArrayNode().add(profile).add(evaluate));
        ObjectNode calibration = (ObjectNode) config.get("calibration");
        assertNotNull(calibration, "configs/demo.yaml has no calibration section");
        calibration.set("lengths", yaml.createArrayNode().add(128).add(256));
        calibration.put("samples", 2);
        Path demo = TestModels.repoRoot().resolve("models/demo");
        if (Files.isRegularFile(demo.resolve("tokenizer.json"))) {
            config.put("model", demo.toString());
        } else {
            System.err.println(
                    "RunnerEqualityTest: models/demo absent; running on an untrained model in its format");
            Path tiny = dir.resolve("tiny-word-model");
            if (!Files.exists(tiny)) {
                TinyWordModel.create(tiny);
            }
            config.put("model", tiny.toString());
        }
        evaluate.set("lengths", yaml.createArrayNode().add(128).add(256));
        evaluate.set("tasks", yaml.createArrayNode().add("passkey").add("niah_single"));
        evaluate.put("max_new_tokens", 8);
        evaluate.set("depths", yaml.createArrayNode().add(0.0).add(1.0));
        evaluate.put("samples", 1);
        ArrayNode methods = yaml.createArrayNode();
        for (var method : evaluate.withArray("methods")) {
            ObjectNode m = (ObjectNode) method;
            if ("plan".equals(m.path("method").asText())) continue;
            if (m.has("window")) {
                m.put("window", 16);
            }
            methods.add(m);
        }
        evaluate.set("methods", methods);
        config.put("output", dir.resolve("run-" + name).toString());
        Path file = dir.resolve(name + ".yaml");
        yaml.writeValue(file.toFile(), config);
        return file;
    }

    static List<CellSummary> summary(HeadroomRun.Outcome outcome) {
        List<CellSummary> rows =
                new java.util.ArrayList<>(
                        ParquetTables.read(
                                EvalTables.SUMMARY,
                                outcome.runDirectory().resolve("reports/eval_summary.parquet")));
        rows.sort(
                Comparator.comparing(CellSummary::method)
                        .thenComparing(CellSummary::task)
                        .thenComparingInt(CellSummary::length));
        return rows;
    }

    /** profile_heads by (layer, head, kv_head, length, metric); a duplicate key fails. */
    static Map<String, Double> profileValues(Path runDirectory) {
        Map<String, Double> values = new TreeMap<>();
        for (ProfileRow row :
                ParquetTables.read(
                        ProfileTables.HEADS,
                        runDirectory.resolve("reports/" + ProfileTables.HEADS.fileName()))) {
            Double before = values.put(row.key(), row.value());
            assertNull(before, "profile_heads has two rows for " + row.key());
        }
        return values;
    }

    /**
     * Every key in both tables, and each value within {@code tolerance} of the other, relative to
     * the larger magnitude (exactly equal values pass, zeros included). Lists every difference.
     */
    static void assertProfilesAgree(
            Map<String, Double> a, Map<String, Double> b, double tolerance) {
        assertEquals(a.keySet(), b.keySet(), "profile_heads rows differ between runners");
        List<String> differences = new java.util.ArrayList<>();
        for (var e : a.entrySet()) {
            double x = e.getValue(), y = b.get(e.getKey());
            boolean close =
                    Double.compare(x, y) == 0
                            || Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
            if (!close) differences.add(e.getKey() + ": " + x + " vs " + y);
        }
        assertTrue(
                differences.isEmpty(),
                differences.size()
                        + " of "
                        + a.size()
                        + " profile_heads values differ by more than "
                        + tolerance
                        + " relative:\n"
                        + String.join("\n", differences));
    }

    @Test
    void directAndFlinkGiveEqualProfilesAndIdenticalSummaries() throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        HeadroomRun.Outcome direct =
                new HeadroomRun(quiet, quiet)
                        .run(
                                shrunkDemo("direct"),
                                new HeadroomRun.RunnerOverrides(RunnerKind.DIRECT, null, 2));
        HeadroomRun.Outcome flink =
                new HeadroomRun(quiet, quiet)
                        .run(
                                shrunkDemo("flink"),
                                new HeadroomRun.RunnerOverrides(RunnerKind.FLINK, "[local]", 2));
        Map<String, Double> profileDirect = profileValues(direct.runDirectory());
        Map<String, Double> profileFlink = profileValues(flink.runDirectory());
        assertTrue(
                profileDirect.keySet().stream().anyMatch(k -> k.contains("influence_bin_")),
                "profile_heads holds influence rows");
        assertProfilesAgree(profileDirect, profileFlink, PROFILE_TOLERANCE);
        assertEquals(
                Files.readString(direct.runDirectory().resolve("artifacts/profile.json")),
                Files.readString(flink.runDirectory().resolve("artifacts/profile.json")));
        List<CellSummary> a = summary(direct);
        List<CellSummary> b = summary(flink);
        assertFalse(a.isEmpty());
        assertEquals(a, b);
    }
}
