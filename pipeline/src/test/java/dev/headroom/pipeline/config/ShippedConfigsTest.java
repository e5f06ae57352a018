package dev.headroom.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.registry.StageRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The configs under configs/ stay valid as stages and keys evolve (their paths resolve against
 * configs/ itself).
 */
class ShippedConfigsTest {

    private final Path root = TestModels.repoRoot();
    private final ConfigLoader loader = new ConfigLoader(StageRegistry.load());

    @Test
    void demoConfigIsValid() {
        Assumptions.assumeTrue(
                Files.isRegularFile(root.resolve("models/demo/config.json")),
                "models/demo absent (skipping)");
        ResolvedConfig c = loader.load(root.resolve("configs/demo.yaml"), root);
        assertEquals(root.resolve("runs/demo"), c.runDirectory());
    }

    @Test
    void stories260kConfigIsValid() throws Exception {
        Path model = root.resolve("../shared/models/stories260K").normalize();
        Assumptions.assumeTrue(
                Files.isDirectory(model), "../shared/models/stories260K absent (skipping)");
        // its text_file and model resolve against configs/, not against the test's directory
        ResolvedConfig c = loader.load(Path.of("configs/evaluate-stories260k.yaml"), root);
        assertEquals(model, c.model().directory());
        assertEquals(root.resolve("runs/stories260k-evaluate"), c.runDirectory());
    }

    @Test
    void the8bExampleBindsAndFailsOnlyOnItsMissingCheckpoint() {
        Path file = root.resolve("configs/evaluate-llama-3.1-8b.yaml");
        Assumptions.assumeFalse(
                Files.isDirectory(root.resolve("models/llama-3.1-8b-instruct")),
                "the 8B model is here");
        HeadroomException e = assertThrows(HeadroomException.class, () -> loader.load(file, root));
        assertEquals(
                file
                        + ":9:1: model: model directory "
                        + root.resolve("models/llama-3.1-8b-instruct")
                        + " does not exist",
                e.getMessage());
    }
}
