package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.config.ConfigException;
import dev.headroom.pipeline.config.ConfigLoader;
import dev.headroom.pipeline.config.ResolvedConfig;
import dev.headroom.pipeline.registry.StageRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths in a config resolve against the config file's directory, and nothing a config says can make
 * the run read or write outside its output directory: names of files in the run are plain names
 * (../ and absolute paths refused), and a symbolic link in the run directory that points out of it
 * stops the run before it writes anything.
 */
class OutputContainmentTest {
    @TempDir Path dir;

    private static final String EVALUATE =
            "stages:\n  - stage: evaluate\n    tasks: [copy]\n    lengths: [32]\n"
                    + "    depths: [0.0]\n    methods:\n";

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    private static PrintStream sink() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void pathsResolveAgainstTheConfigFilesDirectoryNotTheWorkingDirectory() throws Exception {
        Path model = dir.resolve("models/tiny");
        Files.createDirectories(model.getParent());
        Files.createSymbolicLink(model, TestModels.tinyLlama());
        Path config =
                write(
                        "configs/run.yaml",
                        "model: ../models/tiny\noutput: ../runs/one\n"
                                + EVALUATE
                                + "      - method: dense\n");
        Path elsewhere = Files.createDirectories(dir.resolve("somewhere/else"));
        ResolvedConfig c =
                new ConfigLoader(StageRegistry.load())
                        .load(elsewhere.relativize(config), elsewhere);
        assertEquals(dir.resolve("runs/one"), c.runDirectory());
        assertEquals(model, c.model().directory());
        assertEquals(config, c.file());

        // a plan file: relative to configs/, and said so when missing
        Path bad =
                write(
                        "configs/plan.yaml",
                        "model: ../models/tiny\noutput: ../runs/two\n"
                                + EVALUATE
                                + "      - method: plan\n        file: plans/mine.json\n");
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> new ConfigLoader(StageRegistry.load()).load(bad, elsewhere));
        assertTrue(
                e.getMessage()
                        .contains(
                                "no such plan file: "
                                        + dir.resolve("configs/plans/mine.json")
                                        + " (relative to the config file's directory"),
                e.getMessage());
    }

    @Test
    void namesOfFilesInTheRunCannotLeaveIt() throws Exception {
        String head = "model: " + TestModels.tinyLlama() + "\noutput: run\n";
        List<String> escapes =
                List.of(
                        EVALUATE + "      - method: plan\n        artifact: ../../escape.json\n",
                        EVALUATE + "      - method: plan\n        artifact: /etc/passwd\n",
                        EVALUATE + "      - method: plan\n        artifact: ..\n",
                        "stages:\n  - stage: export\n    plan: ../plan.json\n",
                        "stages:\n  - stage: export\n    plan: ..\n",
                        "stages:\n  - stage: export\n    plan: /tmp/plan.json\n",
                        EVALUATE
                                + "      - method: linear\n        heads: streaming\n"
                                + "        plan: ../duo_plan.json\n");
        for (String stages : escapes) {
            Path f = write("escape.yaml", head + stages);
            ConfigException e =
                    assertThrows(
                            ConfigException.class,
                            () -> new ConfigLoader(StageRegistry.load()).load(f, dir),
                            stages);
            assertTrue(
                    e.getMessage().contains("is not a file name in the run's artifacts/"),
                    stages + " -> " + e.getMessage());
        }
        assertTrue(Files.notExists(dir.resolve("run")), "nothing was written");
    }

    @Test
    void aLinkOutOfTheRunDirectoryIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path config =
                write(
                        "a.yaml",
                        "model: "
                                + TestModels.tinyLlama()
                                + "\noutput: run\n"
                                + EVALUATE
                                + "      - method: dense\n");
        Path run = dir.resolve("run"), outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(run);
        Path link = Files.createSymbolicLink(run.resolve("reports"), outside);
        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                new HeadroomRun(sink(), sink())
                                        .run(config, HeadroomRun.RunnerOverrides.NONE, dir));
        assertEquals(
                link
                        + ": a symbolic link in the run directory points out of it (to "
                        + outside
                        + "); headroom writes only inside "
                        + run
                        + ": remove the link, or set 'output' to another directory",
                e.getMessage());
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
        assertEquals(List.of("reports"), list(run), "nor in the run directory (no lock)");

        // a dangling link out, and one deeper down, are refused the same way
        Files.delete(link);
        Files.createDirectories(run.resolve("artifacts/stages"));
        Path deep =
                Files.createSymbolicLink(
                        run.resolve("artifacts/stages/00-x.json"), dir.resolve("gone.json"));
        HeadroomException d =
                assertThrows(HeadroomException.class, () -> RunDirectoryLinks.refuseLinksOut(run));
        assertTrue(d.getMessage().startsWith(deep + ": a symbolic link"), d.getMessage());
        Files.delete(deep);

        // links inside the run directory are fine
        Files.createSymbolicLink(run.resolve("artifacts/latest"), run.resolve("artifacts/stages"));
        RunDirectoryLinks.refuseLinksOut(run);
    }

    @Test
    void theExportsLinkedWeightsAreAllowedAndOnlyThose() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Path model = Files.createDirectories(run.resolve("artifacts/model"));
        Path weights = write("weights/model.safetensors", "weights");
        Files.createSymbolicLink(model.resolve("model.safetensors"), weights);
        Files.writeString(model.resolve("config.json"), "{}");
        ArtifactManifest.write(model, Map.of());
        RunDirectoryLinks.refuseLinksOut(run);

        Path other = Files.createSymbolicLink(model.resolve("extra.bin"), weights);
        HeadroomException e =
                assertThrows(HeadroomException.class, () -> RunDirectoryLinks.refuseLinksOut(run));
        assertTrue(e.getMessage().startsWith(other + ": a symbolic link"), e.getMessage());
    }

    private static List<String> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
