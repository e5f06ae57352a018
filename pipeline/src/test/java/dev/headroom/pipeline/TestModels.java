package dev.headroom.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Checkpoints the pipeline tests run on. */
public final class TestModels {

    private TestModels() {}

    public static Path repoRoot() {
        String root = System.getProperty("headroom.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    /** A 2-layer Llama fixture, vocab 128, 256 positions, no tokenizer. */
    public static Path tinyLlama() {
        Path dir = repoRoot().resolve("attention/src/test/resources/hf-fixtures/llama_f32_tied");
        Assumptions.assumeTrue(Files.isDirectory(dir), "fixture checkpoint missing: " + dir);
        return dir;
    }

    /** The bundled demo model, when it has been trained (word-level tokenizer). */
    public static Path demoModelOrSkip() {
        Path dir = repoRoot().resolve("models/demo");
        Assumptions.assumeTrue(
                Files.isRegularFile(dir.resolve("config.json"))
                        && Files.isRegularFile(dir.resolve("tokenizer.json")),
                "demo model not present in " + dir + " (skipping)");
        return dir;
    }
}
