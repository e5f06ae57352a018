package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.Runtimes;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.runner.HeadroomRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export stage's model directory, used as it is: {@code generate --model artifacts/model} gives
 * the evaluate stage's answers for the exported plan (sink + window spans and 2/4-bit KIVI heads,
 * pre-RoPE keys) on 20 recorded cases; a modified or missing file, and a plan or artifact of
 * another model, are refused with one line.
 */
class ExportedModelCliTest {
    @TempDir Path dir;

    /** The recorded cases: the columns of eval_results this test needs. */
    record Recorded(
            String task, int length, double depth, int sample, long seed, String prediction) {}

    static final AvroTable<Recorded> RESULTS =
            new AvroTable<>() {
                @Override
                public String name() {
                    return "eval_results";
                }

                @Override
                public String schemaJson() {
                    return "{\"type\":\"record\",\"name\":\"Recorded\",\"fields\":[]}";
                }

                @Override
                public GenericRecord toRecord(Recorded row, Schema schema) {
                    throw new UnsupportedOperationException("read only");
                }

                @Override
                public Recorded fromRecord(GenericRecord r) {
                    return new Recorded(
                            r.get("task").toString(),
                            (Integer) r.get("length"),
                            (Double) r.get("depth"),
                            (Integer) r.get("sample"),
                            (Long) r.get("seed"),
                            r.get("prediction").toString());
                }
            };

    private Path plan(Path model) throws Exception {
        String heads =
                "[{\"layer\":0,\"kv_head\":0,\"kind\":\"window\",\"sink\":4,\"alpha\":32,\"beta\":0,\"bits\":16},"
                        + "{\"layer\":0,\"kv_head\":1,\"kind\":\"window\",\"sink\":4,\"alpha\":192,\"beta\":0,\"bits\":4},"
                        + "{\"layer\":1,\"kv_head\":0,\"kind\":\"window\",\"sink\":4,\"alpha\":16,\"beta\":0,\"bits\":16},"
                        + "{\"layer\":1,\"kv_head\":1,\"kind\":\"window\",\"sink\":4,\"alpha\":16,\"beta\":0,\"bits\":2},"
                        + "{\"layer\":2,\"kv_head\":0,\"kind\":\"full\",\"sink\":4,\"alpha\":0,\"beta\":1,\"bits\":2},"
                        + "{\"layer\":2,\"kv_head\":1,\"kind\":\"full\",\"sink\":4,\"alpha\":0,\"beta\":1,\"bits\":4}]";
        Path p = dir.resolve("joint_plan.json");
        Files.writeString(
                p,
                "{\"format\":\"headroom-plan\",\"version\":1,\"method\":\"joint\","
                        + "\"model_config_sha256\":\""
                        + ModelIdentity.configHash(model)
                        + "\",\"density_budget\":0.35,\"profiled_lengths\":[512],\"heads\":"
                        + heads
                        + ",\"kv_quantization\":{\"group\":32,\"residual\":32,\"sink\":4,\"keys\":\"pre_rope\"},"
                        + "\"predicted\":{},\"validation\":{}}");
        return p;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void generateOnTheExportGivesTheEvaluateStagesAnswers() throws Exception {
        Path model = TestModels.demoModelOrSkip();
        Path plan = plan(model);
        Path config = dir.resolve("export.yaml");
        Files.writeString(
                config,
                "model: "
                        + model
                        + "\noutput: run\nrunner:\n  parallelism: 2\nstages:\n"
                        + "  - stage: evaluate\n    tasks: [passkey, niah_single]\n    lengths: [512]\n"
                        + "    depths: [0.0, 0.11, 0.22, 0.33, 0.44, 0.56, 0.67, 0.78, 0.89, 1.0]\n"
                        + "    seed: 2026\n    max_new_tokens: 12\n    add_bos: false\n    methods:\n"
                        + "      - method: plan\n        file: "
                        + plan
                        + "\n        label: plan-kv\n"
                        + "  - stage: export\n    file: "
                        + plan
                        + "\n");
        HeadroomRun.Outcome run =
                new HeadroomRun(quiet(), quiet())
                        .run(config, HeadroomRun.RunnerOverrides.NONE, dir);
        Path artifact = run.runDirectory().resolve("artifacts/model");
        List<Recorded> recorded =
                ParquetTables.read(
                        RESULTS, run.runDirectory().resolve("reports/eval_results.parquet"));
        assertEquals(20, recorded.size());
        try (LanguageModelRuntime cases = Runtimes.open(model, Backend.CPU)) {
            for (Recorded r : recorded) {
                TaskCase c =
                        TaskFactory.build(TaskSpec.of(r.task()), cases, false)
                                .generate(r.length(), r.depth(), r.sample(), r.seed());
                CliRun g =
                        CliRun.of(
                                "generate",
                                "--model",
                                artifact.toString(),
                                "--backend",
                                "cpu",
                                "--max-new-tokens",
                                "12",
                                "--prompt",
                                c.prompt());
                assertEquals(0, g.code(), g.err());
                assertEquals(r.prediction().strip(), g.out().strip(), r.toString());
            }
        }
        CliRun inspect = CliRun.of("inspect", "--model", artifact.toString(), "--length", "512");
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(
                inspect.out().contains("layer 2 kv head 0: full, kivi2-g32-r32-s4-prerope"),
                inspect.out());

        // a modified file, a missing file, a plan of another model: one line each, exit 2
        Path copy = dir.resolve("copy");
        copyTree(artifact, copy);
        Files.writeString(
                copy.resolve("headroom_plan.json"), " ", java.nio.file.StandardOpenOption.APPEND);
        CliRun modified =
                CliRun.of(
                        "generate",
                        "--model",
                        copy.toString(),
                        "--prompt-ids",
                        "5",
                        "--max-new-tokens",
                        "1");
        assertEquals(2, modified.code());
        assertEquals(
                "error: "
                        + copy.resolve("headroom_plan.json")
                        + ": modified since the export ("
                        + (Files.size(copy.resolve("headroom_plan.json")))
                        + " bytes, manifest.json says "
                        + (Files.size(copy.resolve("headroom_plan.json")) - 1)
                        + ")",
                modified.err().strip());
        Path gone = dir.resolve("gone");
        copyTree(artifact, gone);
        Files.delete(gone.resolve("tokenizer.json"));
        CliRun missing = CliRun.of("inspect", "--model", gone.toString());
        assertEquals(2, missing.code());
        assertEquals(
                "error: " + gone.resolve("tokenizer.json") + ": missing (listed in manifest.json)",
                missing.err().strip());
        assertEquals("", missing.out(), "nothing printed before the refusal");

        Path other = dir.resolve("other");
        copyTree(artifact, other);
        ObjectNode p =
                (ObjectNode)
                        new ObjectMapper().readTree(other.resolve("headroom_plan.json").toFile());
        p.put("model_config_sha256", ModelIdentity.configHash(TestModels.tinyLlama()));
        Files.writeString(other.resolve("headroom_plan.json"), p.toString());
        ArtifactManifest.write(other, Map.of());
        CliRun foreign =
                CliRun.of(
                        "generate",
                        "--model",
                        other.toString(),
                        "--prompt-ids",
                        "5",
                        "--max-new-tokens",
                        "1");
        assertEquals(2, foreign.code());
        assertTrue(
                foreign.err()
                        .strip()
                        .startsWith(
                                "error: "
                                        + other.resolve("headroom_plan.json")
                                        + ": made for another model"),
                foreign.err());
    }

    @Test
    void aRunFromAnExportCarriesItsPlanAndRecordsBothRuns() throws Exception {
        Path model = TestModels.demoModelOrSkip();
        Path plan = plan(model);
        Path first = dir.resolve("first.yaml"), second = dir.resolve("second.yaml");
        Files.writeString(
                first,
                "model: "
                        + model
                        + "\noutput: first\nstages:\n  - stage: export\n    file: "
                        + plan
                        + "\n"
                        + "    portable: true\n");
        HeadroomRun.Outcome a =
                new HeadroomRun(quiet(), quiet()).run(first, HeadroomRun.RunnerOverrides.NONE, dir);
        Path exported = a.runDirectory().resolve("artifacts/model");
        assertEquals(
                1,
                Files.getAttribute(exported.resolve("model.safetensors"), "unix:nlink"),
                "portable: a copy");
        Files.writeString(
                second, "model: " + exported + "\noutput: second\nstages:\n  - stage: export\n");
        HeadroomRun.Outcome b =
                new HeadroomRun(quiet(), quiet())
                        .run(second, HeadroomRun.RunnerOverrides.NONE, dir);
        Path again = b.runDirectory().resolve("artifacts/model");
        var block =
                new ObjectMapper().readTree(again.resolve("config.json").toFile()).path("headroom");
        assertEquals(ModelIdentity.configHash(model), block.path("source_config_sha256").asText());
        assertEquals(2, block.path("provenance").size(), block.toString());
        assertEquals(
                model.toAbsolutePath().toString(),
                block.path("provenance").get(0).path("model").asText());
        assertEquals(
                exported.toAbsolutePath().toString(),
                block.path("provenance").get(1).path("model").asText());
        assertEquals(
                Files.readString(exported.resolve("headroom_plan.json")),
                Files.readString(again.resolve("headroom_plan.json")),
                "the source export's plan, carried");
        assertEquals(
                2,
                Files.getAttribute(again.resolve("model.safetensors"), "unix:nlink"),
                "hard-linked");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path f : s.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t);
            }
        }
    }
}
