package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.TextCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.eval.task.PassKeyTask;
import dev.headroom.eval.task.TaskCase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The codec and token counter on the bundled demo model's tokenizer (skipped until the model is there). */
class ModelTokenizerLongTextTest {

    static Path demoModel() {
        Path dir = CaseRunnerTest.repoRoot().resolve("models/demo");
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "no models/demo/tokenizer.json (skipping)");
        return dir;
    }

    @Test
    void longPromptsAreNotTruncated() {
        TextCodec codec = ModelCache.codec(demoModel());
        String text = "The grass is green. ".repeat(400);
        int[] ids = codec.encode(text);
        assertTrue(ids.length > 1000, "encoded to " + ids.length + " tokens");
    }

    @Test
    void counterCountsWhatTheRunnerFeeds() {
        Path dir = demoModel();
        TextCodec codec = ModelCache.codec(dir);
        ModelTokenCounter counter = new ModelTokenCounter(codec, 1);
        TaskCase c = new PassKeyTask(counter).generate(700, 0.5, 0, 1L);
        assertTrue(c.promptTokens() <= 700 && c.promptTokens() > 600, "prompt tokens " + c.promptTokens());
        assertEquals(c.promptTokens(), 1 + codec.encode(c.prompt()).length);
    }
}
