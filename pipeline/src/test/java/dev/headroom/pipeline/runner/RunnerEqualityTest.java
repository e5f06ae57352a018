package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.TinyWordModel;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.stages.evaluate.CellSummary;
import dev.headroom.stages.evaluate.EvalTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * configs/demo.yaml, shrunk, on the DirectRunner and on an embedded Flink mini-cluster: the
 * eval_summary tables must be identical, value for value.
 */
class RunnerEqualityTest {

    @TempDir Path dir;

    /**
     * demo.yaml with two lengths, two depths, one sample; on an untrained model in the demo's
     * format ({@link TinyWordModel}) while the trained demo model is absent.
     */
    private Path shrunkDemo(String name) throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode config =
                (ObjectNode)
                        yaml.readTree(TestModels.repoRoot().resolve("configs/demo.yaml").toFile());
        // the evaluate stage alone: profile and search have their own tests, and plan methods need
        // their artifacts
        ObjectNode evaluate = null;
        for (var stage : config.withArray("stages")) {
            if ("evaluate".equals(stage.path("stage").asText())) evaluate = (ObjectNode) stage;
        }
        assertNotNull(evaluate, "configs/demo.yaml has no evaluate stage");
        config.set("stages", yaml.createArrayNode().add(evaluate));
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
        config.remove("calibration");
        config.put("output", dir.resolve("run-" + name).toString());
        Path file = dir.resolve(name + ".yaml");
        yaml.writeValue(file.toFile(), config);
        return file;
    }

    private static List<CellSummary> summary(HeadroomRun.Outcome outcome) {
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

    @Test
    void directAndFlinkGiveIdenticalSummaries() throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        HeadroomRun.Outcome direct =
                new HeadroomRun(quiet, quiet)
                        .run(
                                shrunkDemo("direct"),
                                new HeadroomRun.RunnerOverrides("direct", null, 2));
        HeadroomRun.Outcome flink =
                new HeadroomRun(quiet, quiet)
                        .run(
                                shrunkDemo("flink"),
                                new HeadroomRun.RunnerOverrides("flink", "[local]", 2));
        List<CellSummary> a = summary(direct);
        List<CellSummary> b = summary(flink);
        assertFalse(a.isEmpty());
        assertEquals(a, b);
    }
}
