package dev.headroom.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.registry.StageRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every problem of a config is listed, in file order; an empty output is called empty; stage
 * entries get a context.
 */
class ConfigProblemsReportTest {

    @TempDir Path dir;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void listsEveryProblemInFileOrder() throws Exception {
        Path file =
                write(
                        "runner:\n  parallelism: 0\n"
                                + "model: "
                                + TestModels.tinyLlama()
                                + "\n"
                                + "output: run\n"
                                + "stages:\n"
                                + "  - stage: evaluate\n"
                                + "    tasks: [copy, nope]\n"
                                + "    lengths: [32, 512]\n"
                                + "    depths: [1.5]\n"
                                + "    samples: 0\n"
                                + "    methods:\n"
                                + "      - method: dense\n"
                                + "      - method: uniform\n"
                                + "        window: 8\n"
                                + "        window_fraction: 0.5\n");
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> new ConfigLoader(StageRegistry.load()).load(file, dir));
        assertEquals(
                List.of(
                        file + ":2:3: runner.parallelism: 0 is out of range [1, 1024]",
                        file + ":7:19: stages[0].tasks[1]: unknown task 'nope'",
                        file + ":8:19: stages[0].lengths[1]: 512 is out of range [8, 256]",
                        file + ":9:14: stages[0].depths[0]: 1.5 is out of range [0, 1]",
                        file + ":10:5: stages[0].samples: 0 is out of range [1, 100000]",
                        file
                                + ":15:9: stages[0].methods[1].window_fraction: give either window or window_fraction, not both"),
                e.problems().stream()
                        .map(p -> p.replaceFirst("(unknown task 'nope').*", "$1"))
                        .toList());
        assertEquals(String.join("\n", e.problems()), e.getMessage());
        assertTrue(!e.getMessage().contains("more problem"), e.getMessage());
    }

    @Test
    void anEmptyOutputIsCalledEmpty() throws Exception {
        Path file =
                write(
                        "model: "
                                + TestModels.tinyLlama()
                                + "\noutput: \"\"\nstages:\n  - stage: evaluate\n"
                                + "    tasks: [copy]\n    lengths: [32]\n    methods:\n      - method: dense\n");
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> new ConfigLoader(StageRegistry.load()).load(file, dir));
        assertEquals(
                List.of(
                        file
                                + ":2:1: output: is empty; give the run directory, e.g. 'output: runs/demo'"),
                e.problems());
        Path blankModel =
                write(
                        "model: \" \"\noutput: run\nstages:\n  - stage: evaluate\n"
                                + "    tasks: [copy]\n    lengths: [32]\n    methods:\n      - method: dense\n");
        ConfigException m =
                assertThrows(
                        ConfigException.class,
                        () -> new ConfigLoader(StageRegistry.load()).load(blankModel, dir));
        assertEquals(List.of(blankModel + ":1:1: model: is empty; it is required"), m.problems());
    }

    @Test
    void stageEntriesSeeTheConfigsDirectoryTheRunDirectoryAndEarlierOutputs() throws Exception {
        Path work = dir.resolve("work");
        Files.createDirectories(work);
        Path file =
                write(
                        "model: "
                                + TestModels.tinyLlama()
                                + "\n"
                                + "output: runs/x\n"
                                + "calibration:\n  tasks: [copy]\n  lengths: [32]\n  samples: 1\n"
                                + "stages:\n"
                                + "  - stage: profile\n"
                                + "  - stage: search\n"
                                + "    validation_length: 64\n"
                                + "  - stage: evaluate\n"
                                + "    tasks: [copy]\n"
                                + "    lengths: [32]\n"
                                + "    methods:\n"
                                + "      - method: dense\n"
                                + "        label: d\n");
        List<ConfigProblems.Context> seen = new ArrayList<>();
        ConfigLoader loader =
                new ConfigLoader(
                        StageRegistry.load(),
                        (params, problems, model) -> {
                            seen.add(problems.context());
                            params.validate(problems, model);
                            if (seen.size() == 3) {
                                // What a value naming a file does at validation: resolve against
                                // the config file's directory, report at its key.
                                Path probe = problems.resolve("plans/mine.json");
                                if (!Files.isRegularFile(probe)) {
                                    problems.at("methods", 0)
                                            .error("label", "probe: no such file: " + probe);
                                }
                            }
                        });
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(file, work));
        assertEquals(
                List.of(
                        file
                                + ":16:9: stages[2].methods[0].label: probe: no such file: "
                                + dir.resolve("plans/mine.json")),
                e.problems());

        assertEquals(3, seen.size());
        for (ConfigProblems.Context c : seen) {
            assertEquals(dir, c.configDirectory(), "the config's directory, not the working one");
            assertEquals(dir.resolve("runs/x"), c.runDirectory());
        }
        assertEquals(Set.of(), seen.get(0).earlierOutputs());
        assertTrue(
                seen.get(1).earlierOutputs().stream()
                        .anyMatch(o -> o.startsWith("reports/profile")),
                seen.get(1).earlierOutputs().toString());
        assertTrue(seen.get(1).earlierOutputs().stream().noneMatch(o -> o.endsWith("plan.json")));
        assertTrue(
                seen.get(2)
                        .earlierOutputs()
                        .containsAll(Set.of("artifacts/plan.json", "artifacts/duo_plan.json")),
                seen.get(2).earlierOutputs().toString());
        assertTrue(seen.get(2).earlierOutputs().containsAll(seen.get(1).earlierOutputs()));
    }

    @Test
    void problemsResolveAgainstTheirConfigDirectoryAndViewsShareOneList() {
        ConfigProblems p = new ConfigProblems(new ConfigProblems.Context(dir, null, Set.of()));
        assertEquals(dir.resolve("a/b.json"), p.at("stages", 0).resolve("a/../a/b.json"));
        assertNull(p.context().runDirectory());
        ConfigProblems other =
                p.at("stages", 1)
                        .with(
                                new ConfigProblems.Context(
                                        dir.resolve("w"), dir.resolve("r"), Set.of("x")));
        other.error("file", "bad");
        assertEquals(dir.resolve("w/f"), other.resolve("f"));
        assertEquals("stages[1].file", p.all().get(0).where().dotted());
        assertEquals(
                Path.of("").toAbsolutePath(), new ConfigProblems().context().configDirectory());
        assertTrue(
                !p.required("", "output")
                        && p.all().get(1).message().equals("is empty; it is required"));
    }
}
