package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --help on every command, and a broken config listed whole, as a new user meets them. */
class HelpAndConfigErrorsCliTest {

    @TempDir Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void helpPrintsUsageAndExitsZeroOnEveryCommand() {
        for (String command :
                List.of("run", "inspect", "generate", "logits", "train-demo", "evaluate-demo")) {
            for (String flag : List.of("--help", "-h")) {
                CliRun r = run(command, flag);
                assertEquals(0, r.code(), command + " " + flag + ": " + r.err());
                assertTrue(
                        r.out().startsWith("Usage: headroom " + command),
                        command + " " + flag + ":\n" + r.out());
                assertEquals("", r.err(), command + " " + flag);
            }
        }
        CliRun top = run("--help");
        assertEquals(0, top.code(), top.err());
        assertTrue(
                top.out().startsWith("Usage: headroom ")
                        && top.out().contains("run")
                        && top.out().contains("inspect"),
                top.out());
        CliRun runHelp = run("run", "--help");
        assertTrue(
                runHelp.out().contains("CONFIG") && runHelp.out().contains("--yes"), runHelp.out());
        CliRun version = run("inspect", "--version");
        assertEquals(0, version.code());
        assertEquals("headroom 0.1.0", version.out().strip());
    }

    @Test
    void anUnknownRunnerFlagIsOneLineWithTheAllowedRunners() throws Exception {
        Path config = dir.resolve("any.yaml");
        Files.writeString(config, "model: " + TestModels.tinyLlama() + "\n");
        CliRun r = run("run", "--runner", "flnk", config.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(
                "error: --runner: unknown runner 'flnk' (did you mean 'flink'?); one of: direct,"
                        + " flink",
                r.err().strip());
    }

    @Test
    void aMissingRequiredOptionIsStillAnError() {
        CliRun r = run("inspect");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required option: '--model=DIR'"), r.err());
    }

    @Test
    void everyConfigProblemIsPrintedOnItsOwnLineWithExitCode2() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(
                config,
                "model: "
                        + TestModels.tinyLlama()
                        + "\n"
                        + "output: \"\"\n"
                        + "stages:\n"
                        + "  - stage: evaluate\n"
                        + "    tasks: [copy]\n"
                        + "    lengths: [4, 64, 9999]\n"
                        + "    samples: 0\n"
                        + "    methods:\n"
                        + "      - method: dense\n");
        CliRun r = run("run", config.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(
                List.of(
                        "error: "
                                + config
                                + ":2:1: output: is empty; give the run directory, e.g. 'output: runs/demo'",
                        "error: "
                                + config
                                + ":6:15: stages[0].lengths[0]: 4 is out of range [8, 256]",
                        "error: "
                                + config
                                + ":6:22: stages[0].lengths[2]: 9999 is out of range [8, 256]",
                        "error: "
                                + config
                                + ":7:5: stages[0].samples: 0 is out of range [1, 100000]"),
                r.err().lines().toList());
        assertEquals("", r.out());
    }
}
