package dev.headroom.stages.evaluate.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.pipeline.api.CalibrationSettings;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code method: plan}: artifact or file, checked with the config; the three formats; labels. */
class PlanMethodTest {
    static final Set<String> SEARCH_OUTPUTS =
            Set.of(
                    "artifacts/plan.json",
                    "artifacts/duo_plan.json",
                    "artifacts/moa_plan.json",
                    "artifacts/full_attention_heads.tsv");

    @TempDir Path dir;
    Path work, run;
    ModelFacts model;
    List<HeadSpan> heads =
            List.of(
                    new HeadSpan(0, 0, "streaming", 4, 8, 0),
                    new HeadSpan(0, 1, "retrieval", 4, 0, 1.0),
                    new HeadSpan(1, 0, "streaming", 4, 8, 0),
                    new HeadSpan(1, 1, "streaming", 4, 8, 0));

    @BeforeEach
    void setUp() throws Exception {
        String root = System.getProperty("headroom.repo.root");
        Path m =
                (root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize())
                        .resolve("attention/src/test/resources/hf-fixtures/llama_f32_tied");
        if (!Files.isDirectory(m))
            m =
                    Path.of("../..")
                            .toAbsolutePath()
                            .normalize()
                            .resolve("attention/src/test/resources/hf-fixtures/llama_f32_tied");
        Assumptions.assumeTrue(Files.isDirectory(m), "fixture checkpoint missing: " + m);
        model = new ModelFacts(m, ConfigReader.read(m), false);
        work = Files.createDirectories(dir.resolve("work"));
        run = work.resolve("runs/x");
    }

    AttentionPlan plan(String hash) {
        return new AttentionPlan("duo", hash, 0.5, List.of(64), heads, Map.of(), Map.of());
    }

    List<String> problems(PlanMethod m, Set<String> earlierOutputs) {
        ConfigProblems p =
                new ConfigProblems(new ConfigProblems.Context(work, run, earlierOutputs));
        m.validate(p, model);
        return p.all().stream().map(x -> x.where().dotted() + ": " + x.message()).toList();
    }

    @Test
    void labelsAreTheFileNameWithoutPlanJsonForBothKeys() {
        assertEquals("plan", new PlanMethod(null, null, null, null, null).label());
        assertEquals("duo", new PlanMethod(null, "duo_plan.json", null, null, null).label());
        assertEquals("duo", new PlanMethod(null, null, "plans/duo_plan.json", null, null).label());
        assertEquals("moa", new PlanMethod(null, "moa_plan.json", null, null, null).label());
        assertEquals(
                "full_attention_heads",
                new PlanMethod(null, "full_attention_heads.tsv", null, null, null).label());
        assertEquals("mine", new PlanMethod("mine", "duo_plan.json", null, null, null).label());
        assertEquals("artifacts/plan.json", new PlanMethod(null, null, null, null, null).source());
    }

    @Test
    void artifactsTheSearchStageWritesPass() {
        assertEquals(
                List.of(), problems(new PlanMethod(null, null, null, null, null), SEARCH_OUTPUTS));
        assertEquals(
                List.of(),
                problems(new PlanMethod(null, "duo_plan.json", null, null, null), SEARCH_OUTPUTS));
        assertEquals(
                List.of(),
                problems(
                        new PlanMethod(null, "full_attention_heads.tsv", null, 4, 8),
                        SEARCH_OUTPUTS));
    }

    @Test
    void anArtifactNoStageWritesNorTheRunHoldsIsAnError() throws Exception {
        assertEquals(
                List.of(
                        "artifact: no stage before this one writes artifacts/duo_plan.json (no search stage runs before it), and "
                                + run.resolve("artifacts/duo_plan.json")
                                + " does not exist"),
                problems(new PlanMethod(null, "duo_plan.json", null, null, null), Set.of()));
        assertEquals(
                List.of(
                        "artifact: no stage before this one writes artifacts/duo.json (they write duo_plan.json, full_attention_heads.tsv, "
                                + "moa_plan.json, plan.json), and "
                                + run.resolve("artifacts/duo.json")
                                + " does not exist"),
                problems(new PlanMethod(null, "duo.json", null, null, null), SEARCH_OUTPUTS));
        // a run directory that already holds it (an evaluate-only config on an earlier run) is fine
        Files.createDirectories(run.resolve("artifacts"));
        plan(ModelIdentity.configHash(model.directory()))
                .write(run.resolve("artifacts/duo_plan.json"));
        assertEquals(
                List.of(),
                problems(new PlanMethod(null, "duo_plan.json", null, null, null), Set.of()));
        assertEquals(
                List.of(
                        "artifact: 'artifacts/duo_plan.json' is not a file name in the run's artifacts/; for a plan elsewhere use "
                                + "'file: artifacts/duo_plan.json'"),
                problems(
                        new PlanMethod(null, "artifacts/duo_plan.json", null, null, null),
                        SEARCH_OUTPUTS));
    }

    @Test
    void exactlyOneOfArtifactAndFile() {
        List<String> p =
                problems(
                        new PlanMethod(null, "duo_plan.json", "plans/duo.json", null, null),
                        SEARCH_OUTPUTS);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("file: give either artifact"), p.get(0));
    }

    @Test
    void aFileResolvesAgainstTheConfigFilesDirectoryAndIsReadWithTheConfig() throws Exception {
        Files.createDirectories(work.resolve("plans"));
        plan(ModelIdentity.configHash(model.directory()))
                .write(work.resolve("plans/duo_plan.json"));
        assertEquals(
                List.of(),
                problems(new PlanMethod(null, null, "plans/duo_plan.json", null, null), Set.of()));

        assertEquals(
                List.of(
                        "file: no such plan file: "
                                + work.resolve("plans/missing.json")
                                + " (relative to the config file's directory)"),
                problems(
                        new PlanMethod(null, null, "plans/missing.json", null, null),
                        SEARCH_OUTPUTS));
        // the old spelling of this run's duo plan: resolved against the config's directory, with
        // a hint
        assertEquals(
                List.of(
                        "file: no such plan file: "
                                + work.resolve("artifacts/duo_plan.json")
                                + " (relative to the config file's directory; "
                                + "for the plan this run's search stage writes, use 'artifact: duo_plan.json')"),
                problems(
                        new PlanMethod(null, null, "artifacts/duo_plan.json", null, null),
                        SEARCH_OUTPUTS));
    }

    @Test
    void brokenForeignAndMisshapenFilesAreOneProblemEach() throws Exception {
        Files.createDirectories(work.resolve("plans"));
        Files.writeString(work.resolve("plans/broken.json"), "{\"format\": ");
        plan("0123").write(work.resolve("plans/other_model.json"));
        Files.writeString(work.resolve("plans/three_layers.tsv"), "0\t1\n0\t0\n1\t1\n");
        Files.writeString(
                work.resolve("plans/per_query_head.json"),
                "{\"alphas\": [[0, 0], [0, 0]], \"betas\": [[0, 0], [0, 0]]}");
        String hash = ModelIdentity.configHash(model.directory());
        assertTrue(
                one("plans/broken.json")
                        .startsWith(
                                "file: "
                                        + work.resolve("plans/broken.json")
                                        + ": not valid JSON: "));
        assertEquals(
                "file: "
                        + work.resolve("plans/other_model.json")
                        + ": the plan was made for another model (config sha256 0123, this model's is "
                        + hash
                        + ")",
                one("plans/other_model.json"));
        assertEquals(
                "file: "
                        + work.resolve("plans/three_layers.tsv")
                        + ":3: more than the model's 2 layers",
                one("plans/three_layers.tsv"));
        assertEquals(
                "file: "
                        + work.resolve("plans/per_query_head.json")
                        + ": alphas[0] has 2 heads but the model has 4 query heads per layer",
                one("plans/per_query_head.json"));
    }

    String one(String file) {
        List<String> p = problems(new PlanMethod(null, null, file, null, null), Set.of());
        assertEquals(1, p.size(), p.toString());
        return p.get(0);
    }

    @Test
    void sinkAndWindowOnlyForTheFormatsThatLackThem() throws Exception {
        Files.createDirectories(work.resolve("plans"));
        plan(ModelIdentity.configHash(model.directory()))
                .write(work.resolve("plans/duo_plan.json"));
        Files.writeString(
                work.resolve("plans/moa_plan.json"),
                "{\"alphas\": [[0, 0, 8, 8], [0, 0, 0, 0]], \"betas\": [[1, 1, 0, 0], [0.5, 0.5, 0, 0]]}");
        assertEquals(
                List.of(
                        "sink: a headroom plan carries each head's sink; sink applies to MoA's and DuoAttention's files",
                        "window: applies to DuoAttention's full_attention_heads.tsv only (its streaming heads' window)"),
                problems(new PlanMethod(null, null, "plans/duo_plan.json", 4, 8), Set.of()));
        assertEquals(
                List.of(),
                problems(new PlanMethod(null, null, "plans/moa_plan.json", 4, null), Set.of()));
        assertEquals(
                List.of(
                        "window: applies to DuoAttention's full_attention_heads.tsv only (its streaming heads' window)"),
                problems(new PlanMethod(null, "moa_plan.json", null, null, 8), SEARCH_OUTPUTS));
        assertEquals(
                List.of("sink: -1 is out of range [0, 256]"),
                problems(
                        new PlanMethod(null, "full_attention_heads.tsv", null, -1, null),
                        SEARCH_OUTPUTS));
    }

    @Test
    void resolveReadsTheArtifactOrTheFileInAnyFormat() throws Exception {
        Files.createDirectories(run.resolve("artifacts"));
        plan(ModelIdentity.configHash(model.directory()))
                .write(run.resolve("artifacts/duo_plan.json"));
        Files.writeString(run.resolve("artifacts/full_attention_heads.tsv"), "0\t1\n0\t0\n");
        StageContext context = context();

        EvalMethod duo = new PlanMethod(null, "duo_plan.json", null, null, null).resolve(context);
        assertEquals("duo", duo.label());
        assertEquals(heads, ((PlanPolicy) duo.policy()).plan().heads());
        EvalMethod tsv =
                new PlanMethod("duo-tsv", "full_attention_heads.tsv", null, 4, 8).resolve(context);
        assertEquals(
                heads,
                ((PlanPolicy) tsv.policy()).plan().heads(),
                "the TSV with sink 4 + window 8 is the same duo plan");
        Path abs = run.resolve("artifacts/full_attention_heads.tsv").toAbsolutePath();
        assertEquals(
                heads,
                ((PlanPolicy)
                                new PlanMethod(null, null, abs.toString(), 4, 8)
                                        .resolve(context)
                                        .policy())
                        .plan()
                        .heads());

        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () -> new PlanMethod(null, null, null, null, null).resolve(context));
        assertEquals(run.resolve("artifacts/plan.json") + ": plan file not found", e.getMessage());
    }

    StageContext context() {
        return new StageContext() {
            public ModelFacts model() {
                return model;
            }

            public CalibrationSettings calibration() {
                return null;
            }

            public Path runDirectory() {
                return run;
            }

            public PrintStream out() {
                return System.out;
            }

            public PrintStream err() {
                return System.err;
            }

            public Pipeline newPipeline() {
                throw new UnsupportedOperationException();
            }

            public String progressKey() {
                return "test";
            }

            public void run(Pipeline pipeline, long total, String unit) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
