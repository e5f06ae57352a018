package dev.headroom.attention;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where tests find checkpoints: the committed HF fixtures, and the shared real checkpoints (skipped
 * when absent).
 */
public final class TestModels {
    private TestModels() {}

    public static final Path HF_FIXTURES = Path.of("src/test/resources/hf-fixtures");

    public static List<Path> hfFixtures() {
        try (Stream<Path> s = Files.list(HF_FIXTURES)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A model from ../shared/models (or $HEADROOM_TEST_MODELS); the test is skipped, saying why,
     * when absent.
     */
    public static Path shared(String name) {
        String env = System.getenv("HEADROOM_TEST_MODELS");
        String prop = System.getProperty("headroom.test.models");
        Path root =
                env != null
                        ? Path.of(env)
                        : prop != null ? Path.of(prop) : Path.of("../../shared/models");
        Path dir = root.resolve(name);
        assumeTrue(
                Files.isDirectory(dir),
                "shared test model " + dir + " is absent (set HEADROOM_TEST_MODELS); skipping");
        return dir;
    }
}
