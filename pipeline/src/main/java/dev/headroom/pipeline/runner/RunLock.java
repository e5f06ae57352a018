package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One run at a time per run directory: {@code .headroom.lock} holds the running process's id and
 * start time, made with create-new so two runs cannot both take it. A second run is refused with
 * one line naming the holder; a lock whose process is gone is taken over, with a line saying so.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".headroom.lock";
    private final Path file;
    private final String content;

    private RunLock(Path file, String content) {
        this.file = file;
        this.content = content;
    }

    static RunLock acquire(Path runDirectory, PrintStream err) {
        Path f = runDirectory.resolve(FILE);
        long self = ProcessHandle.current().pid();
        String mine = "pid " + self + " since " + Instant.now() + "\n";
        try {
            Files.createDirectories(runDirectory);
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Files.writeString(
                            f, mine, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
                    return new RunLock(f, mine);
                } catch (FileAlreadyExistsException e) {
                    String held = readQuietly(f);
                    long pid = pidOf(held);
                    boolean alive =
                            pid > 0
                                    && ProcessHandle.of(pid)
                                            .map(ProcessHandle::isAlive)
                                            .orElse(false);
                    if (alive)
                        throw new HeadroomException(
                                runDirectory
                                        + ": in use by another headroom run ("
                                        + held.strip()
                                        + "); wait for it to end, or set another 'output'");
                    err.println(
                            "headroom: "
                                    + f
                                    + " was left by "
                                    + (pid > 0 ? "pid " + pid : "a run")
                                    + ", which is no longer running; taking the run directory over");
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new HeadroomException(f + ": could not be taken (another run keeps making it)");
    }

    private static String readQuietly(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The pid of "pid N since T", or -1. */
    static long pidOf(String content) {
        String[] w = content.strip().split("\\s+");
        try {
            return w.length >= 2 && w[0].equals("pid") ? Long.parseLong(w[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            if (content.equals(readQuietly(file))) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
