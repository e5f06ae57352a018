package dev.headroom.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.registry.StageRegistry;
import dev.headroom.stages.evaluate.EvaluateParams;
import dev.headroom.stages.evaluate.methods.UniformMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every validation error names file, line:column and key; the message is asserted whole. */
class ConfigLoaderTest {

    @TempDir Path dir;
    Path file;
    String model;

    @BeforeEach
    void setUp() {
        file = dir.resolve("c.yaml");
        model = TestModels.tinyLlama().toString();
    }

    private ResolvedConfig load(String yaml) throws IOException {
        Files.writeString(file, yaml);
        return new ConfigLoader(StageRegistry.load()).load(file, dir);
    }

    private String error(String yaml) {
        HeadroomException e = assertThrows(HeadroomException.class, () -> load(yaml));
        return e.getMessage();
    }

    /** A valid config whose evaluate entry ends with {@code extra} lines (indented 4). */
    private String config(String extra) {
        return "model: "
                + model
                + "\n"
                + "output: run\n"
                + "stages:\n"
                + "  - stage: evaluate\n"
                + "    tasks: [copy]\n"
                + "    lengths: [32, 64]\n"
                + "    methods:\n"
                + "      - method: dense\n"
                + "      - method: uniform\n"
                + "        window: 8\n"
                + extra;
    }

    @Test
    void readsAValidConfigIntoTypedRecords() throws IOException {
        ResolvedConfig c = load(config("    depths: [0.0, 1.0]\n    samples: 3\n"));
        EvaluateParams p = (EvaluateParams) c.stages().get(0);
        assertEquals(3, p.samplesOrDefault());
        assertEquals(java.util.List.of(0.0, 1.0), p.depthsOrDefault());
        UniformMethod u = (UniformMethod) p.methods().get(1);
        assertEquals(8, u.window());
        assertEquals("uniform-w8", u.label());
        assertEquals(dir.resolve("run"), c.runDirectory());
        assertEquals(64, c.hash().length());
    }

    @Test
    void hashIgnoresTheRunnerSectionButNotTheGrid() throws IOException {
        String a = load(config("")).hash();
        String b = load("runner:\n  name: flink\n  parallelism: 3\n" + config("")).hash();
        String c = load(config("    samples: 2\n")).hash();
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void unknownKeySuggestsTheNearest() {
        assertEquals(
                file + ":11:5: stages[0].sample: unknown key 'sample'; did you mean 'samples'?",
                error(config("    sample: 2\n")));
    }

    @Test
    void unknownTopLevelKeySuggestsTheNearest() {
        assertEquals(
                file + ":1:1: modle: unknown key 'modle'; did you mean 'model'?",
                error("modle: x\n" + config("")));
    }

    @Test
    void searchValidationObjectiveIsWorstOrMean() {
        String search =
                "model: "
                        + model
                        + "\noutput: run\nstages:\n  - stage: profile\n  - stage: search\n"
                        + "    validation_length: 64\n    validation_objective: OBJ\n";
        String bad = error(search.replace("OBJ", "median"));
        assertTrue(
                bad.startsWith(file + ":")
                        && bad.contains("validation_objective: 'median' is not one of worst, mean"),
                bad);
        assertDoesNotThrow(() -> load(search.replace("OBJ", "mean")));
    }

    @Test
    void unknownStageAndMethodSuggestTheNearest() {
        assertEquals(
                file + ":4:5: stages[0].stage: unknown stage 'evalute'; did you mean 'evaluate'?",
                error(config("").replace("stage: evaluate", "stage: evalute")));
        assertEquals(
                file
                        + ":9:9: stages[0].methods[1].method: unknown method 'unifrom'; did you mean 'uniform'?",
                error(config("").replace("method: uniform", "method: unifrom")));
    }

    @Test
    void entriesMustNameTheirStageAndMethod() {
        // Stages and methods register themselves through META-INF/services; the names are listed
        // sorted, whichever modules are on the classpath.
        StageRegistry registry = StageRegistry.load();
        java.util.List<String> stages = registry.stageNames(), methods = registry.methodNames();
        assertEquals(stages.stream().sorted().toList(), stages);
        assertEquals(methods.stream().sorted().toList(), methods);
        assertTrue(
                stages.containsAll(java.util.List.of("evaluate", "profile", "search")),
                "" + stages);
        assertTrue(
                methods.containsAll(java.util.List.of("dense", "plan", "uniform")), "" + methods);
        String stage = error(config("").replace("- stage: evaluate\n    tasks", "- tasks"));
        assertEquals(
                file + ":4:5: stages[0].stage: missing; name one of: " + String.join(", ", stages),
                stage.lines().findFirst().orElseThrow());
        String method = error(config("").replace("- method: dense", "- label: d"));
        assertEquals(
                file
                        + ":8:9: stages[0].methods[0].method: missing; name one of: "
                        + String.join(", ", methods),
                method.lines().findFirst().orElseThrow());
    }

    @Test
    void twoStagesMayNotWriteTheSameTables() {
        String twice =
                config("")
                        + "  - stage: evaluate\n    tasks: [copy]\n    lengths: [32]\n    methods:\n      - method: dense\n";
        assertEquals(
                file
                        + ":11:5: stages[1].stage: writes reports/eval_results.parquet, reports/eval_summary.parquet like"
                        + " stages[0]; a run directory holds one stage of this kind",
                error(twice));
    }

    @Test
    void wrongType() {
        assertEquals(
                file + ":11:5: stages[0].samples: expected an integer, got 'many'",
                error(config("    samples: many\n")));
        assertEquals(
                file + ":6:5: stages[0].lengths: expected a list, got '32'",
                error(config("").replace("lengths: [32, 64]", "lengths: 32")));
        assertEquals(
                file + ":11:5: stages[0].samples: expected an integer, got '2.5'",
                error(config("    samples: 2.5\n")));
    }

    @Test
    void valueOutOfRange() {
        assertEquals(
                file + ":11:19: stages[0].depths[1]: 1.5 is out of range [0, 1]",
                error(config("    depths: [0.5, 1.5]\n")));
        // The fixture's context is 256 positions.
        assertEquals(
                file + ":6:19: stages[0].lengths[1]: 512 is out of range [8, 256]",
                error(config("").replace("lengths: [32, 64]", "lengths: [32, 512]")));
        assertEquals(
                file + ":2:3: runner.parallelism: 0 is out of range [1, 1024]",
                error("runner:\n  parallelism: 0\n" + config("")));
    }

    @Test
    void runnerAndCalibrationSourceAreWordsOfTheirEnums() throws IOException {
        ResolvedConfig flink = load("runner:\n  name: flink\n" + config(""));
        assertEquals(RunnerKind.FLINK, flink.runner().nameOrDefault());
        assertEquals(RunnerKind.DIRECT, load(config("")).runner().nameOrDefault());
        assertEquals(
                file
                        + ":2:3: runner.name: unknown runner 'flnk' (did you mean 'flink'?); one of:"
                        + " direct, flink",
                error("runner:\n  name: flnk\n" + config("")));
        assertEquals(
                file + ":2:3: runner.name: unknown runner 'spark'; one of: direct, flink",
                error("runner:\n  name: spark\n" + config("")));
        assertEquals(
                file + ":2:3: runner.name: expected one of direct, flink, got a list",
                error("runner:\n  name: [flink]\n" + config("")));
        String calibration = "calibration:\n  source: %s\n  lengths: [32]\n";
        ResolvedConfig synthetic = load(calibration.formatted("synthetic") + config(""));
        assertEquals(
                dev.headroom.pipeline.api.CalibrationSettings.Source.SYNTHETIC,
                synthetic.calibration().sourceOrDefault());
        assertEquals(
                file
                        + ":2:3: calibration.source: unknown calibration source 'json' (did you"
                        + " mean 'jsonl'?); one of: synthetic, jsonl",
                error(calibration.formatted("json") + config("")));
        // the words are what the canonical config (and so the run's hash) holds
        assertTrue(synthetic.canonicalJson().contains("\"source\":\"synthetic\""));
    }

    @Test
    void missingModelDirectory() {
        Path missing = dir.resolve("no-such-model");
        assertEquals(
                file + ":1:1: model: model directory " + missing + " does not exist",
                error(config("").replace("model: " + model, "model: no-such-model")));
    }

    @Test
    void emptyGrid() {
        assertEquals(
                file + ":6:5: stages[0].lengths: is empty; give at least one value",
                error(config("").replace("lengths: [32, 64]", "lengths: []")));
        assertEquals(
                file + ":3:1: stages: is empty; give at least one stage, e.g. '- stage: evaluate'",
                error("model: " + model + "\noutput: run\nstages: []\n"));
    }

    @Test
    void textTaskOnAModelWithoutTokenizer() {
        assertEquals(
                file
                        + ":5:13: stages[0].tasks[0]: task 'passkey' needs a tokenizer and "
                        + model
                        + " has no tokenizer.json; token-level tasks: [copy, mqar, kl]",
                error(config("").replace("tasks: [copy]", "tasks: [passkey]")));
    }

    @Test
    void klNeedsATextOfTokenIdsOnAModelWithoutTokenizer() throws IOException {
        assertEquals(
                file + ":4:5: stages[0].text_file: missing; the tasks [kl] read a text file",
                error(config("").replace("tasks: [copy]", "tasks: [kl]")));
        Path words = dir.resolve("words.txt");
        Files.writeString(words, "once upon a time");
        assertEquals(
                file
                        + ":11:5: stages[0].text_file: "
                        + words
                        + ": the model has no tokenizer, so the text must be token ids:"
                        + " 'once' (item 1) is not a token id",
                error(
                        config("    text_file: " + words + "\n")
                                .replace("tasks: [copy]", "tasks: [kl]")));
        Path ids = dir.resolve("ids.txt");
        Files.writeString(ids, "5 6 7, 8\n9");
        load(config("    text_file: " + ids + "\n").replace("tasks: [copy]", "tasks: [kl]"));
    }

    @Test
    void uniformNeedsExactlyOneWindow() {
        assertEquals(
                file
                        + ":11:9: stages[0].methods[1].window_fraction: give either window or window_fraction, not both",
                error(config("        window_fraction: 0.5\n")));
    }

    @Test
    void yamlSyntaxError() {
        assertEquals(
                file + ":1:17: YAML syntax error: while parsing a flow sequence",
                error("model: [unclosed\n"));
    }
}
