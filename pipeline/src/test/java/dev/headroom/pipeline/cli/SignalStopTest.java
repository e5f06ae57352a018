package dev.headroom.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what a SIGINT does too) during a run: one line saying which stage was running, what
 * completed and the command that resumes; the run directory's lock is released.
 */
class SignalStopTest {
    @TempDir Path dir;

    @Test
    void aSignalStopsTheRunWithOneLineAndTheResumeCommand() throws Exception {
        Path config = dir.resolve("long.yaml");
        Files.writeString(
                config,
                "model: "
                        + TestModels.tinyLlama()
                        + "\noutput: run\nstages:\n  - stage: evaluate\n    tasks: [copy]\n"
                        + "    lengths: [32, 64, 128, 256]\n    samples: 40\n    depths: [0.0, 0.5, 1.0]\n"
                        + "    methods:\n      - method: dense\n      - {method: uniform, window: 8}\n");
        Path err = dir.resolve("err.txt");
        Process p = CliProcess.start(dir, err, "run", config.toString());
        for (long t0 = System.nanoTime(); ; Thread.sleep(200)) {
            assertTrue((System.nanoTime() - t0) / 1e9 < 120, "the stage never started");
            assertTrue(p.isAlive(), () -> "the run ended early: " + read(err));
            if (read(err).contains("stage 1/1 evaluate:")) break;
        }
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stopped");
        String text = read(err);
        assertTrue(
                text.contains(
                        "headroom: stopped during stage 1/1 evaluate; completed: none; resume with:"
                                + " ./runners/headroom run "
                                + config),
                text);
        assertFalse(Files.exists(dir.resolve("run/.headroom.lock")), "the lock is released");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (Exception e) {
            return "";
        }
    }
}
