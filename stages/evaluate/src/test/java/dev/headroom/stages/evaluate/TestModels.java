package dev.headroom.stages.evaluate;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The tiny Hugging Face fixture checkpoints of the attention module. */
final class TestModels {

    private TestModels() {}

    static Path repoRoot() {
        String root = System.getProperty("headroom.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    /** A 2-layer Llama, vocab 128, 2 KV heads of width 16, fp32, no tokenizer. */
    static Path tinyLlama() {
        Path dir = repoRoot().resolve("attention/src/test/resources/hf-fixtures/llama_f32_tied");
        Assumptions.assumeTrue(Files.isDirectory(dir), "fixture checkpoint missing: " + dir);
        return dir;
    }
}
