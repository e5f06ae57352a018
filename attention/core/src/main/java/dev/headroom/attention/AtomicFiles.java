package dev.headroom.attention;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file under a temporary name beside it, then renames it into place, so that nobody ever
 * reads half a file and a failed write leaves the previous version (the temporary file is removed
 * either way).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content into the temporary path it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    public static void write(Path file, Content content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            content.writeTo(tmp);
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path file, String text) throws IOException {
        write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    /** {@code value} as indented JSON. */
    public static void writeJson(Path file, Object value) throws IOException {
        write(
                file,
                tmp ->
                        new ObjectMapper()
                                .writerWithDefaultPrettyPrinter()
                                .writeValue(tmp.toFile(), value));
    }
}
