package dev.headroom.attention.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint that cannot be used, with a one-line message naming the file and the problem.
 * Command-line front ends print {@link #getMessage()} alone (no stack trace) and exit with a
 * non-zero code.
 */
public class CheckpointException extends dev.headroom.attention.HeadroomException {
    private final Path file;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
