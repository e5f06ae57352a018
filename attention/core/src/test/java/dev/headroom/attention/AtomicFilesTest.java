package dev.headroom.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void replacesTheFileAndLeavesNoTemporary(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plan.json");
        AtomicFiles.writeString(file, "old");
        AtomicFiles.writeJson(file, Map.of("a", 1));
        assertEquals("{\n  \"a\" : 1\n}", Files.readString(file).replace("\r\n", "\n"));
        assertEquals(List.of(file), list(dir));
    }

    /** A write that fails half-way keeps the previous version and removes its temporary file. */
    @Test
    void aFailedWriteKeepsThePreviousVersion(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("report.html");
        AtomicFiles.writeString(file, "previous");
        assertThrows(
                IOException.class,
                () ->
                        AtomicFiles.write(
                                file,
                                tmp -> {
                                    Files.writeString(tmp, "half");
                                    throw new IOException("disk full");
                                }));
        assertEquals("previous", Files.readString(file));
        assertEquals(List.of(file), list(dir));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
