package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs, one output directory: the second is refused while the first's process lives, naming its
 * pid; a lock left by a process that is gone is taken over with a line saying so.
 */
class RunLockTest {
    @TempDir Path dir;

    private Path config() throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(
                file,
                "model: "
                        + TestModels.tinyLlama()
                        + "\noutput: run\nstages:\n  - stage: evaluate\n    tasks: [copy]\n"
                        + "    lengths: [32]\n    depths: [0.0]\n    methods:\n      - method: dense\n");
        return file;
    }

    private static PrintStream sink(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    @Test
    void aSecondRunIsRefusedWhileTheHolderLivesAndAStaleLockIsTakenOver() throws Exception {
        Path config = config(), run = dir.resolve("run"), lock = run.resolve(RunLock.FILE);
        Files.createDirectories(run);
        Process holder = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(lock, "pid " + holder.pid() + " since 2026-12-02T00:00:00Z\n");
            HeadroomException e =
                    assertThrows(
                            HeadroomException.class,
                            () ->
                                    new HeadroomRun(
                                                    sink(new ByteArrayOutputStream()),
                                                    sink(new ByteArrayOutputStream()))
                                            .run(config, HeadroomRun.RunnerOverrides.NONE, dir));
            assertEquals(
                    run
                            + ": in use by another headroom run (pid "
                            + holder.pid()
                            + " since 2026-12-02T00:00:00Z); wait for it to end, or set another"
                            + " 'output'",
                    e.getMessage());
            assertFalse(
                    Files.exists(run.resolve("artifacts")), "nothing written for the refused run");
        } finally {
            holder.destroy();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        // the holder is gone now: its lock is stale
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HeadroomRun.Outcome o =
                new HeadroomRun(sink(new ByteArrayOutputStream()), sink(err))
                        .run(config, HeadroomRun.RunnerOverrides.NONE, dir);
        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains(
                                "headroom: "
                                        + lock
                                        + " was left by pid "
                                        + holder.pid()
                                        + ", which is no longer running; taking the run directory"
                                        + " over"),
                err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.isRegularFile(o.runDirectory().resolve("reports/eval_summary.parquet")));
        assertFalse(Files.exists(lock), "the lock is released when the run ends");
    }
}
