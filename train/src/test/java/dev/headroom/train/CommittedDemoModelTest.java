package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed models/demo: loads in the runtime with its tokenizer, generates, and stays under 5 MB. */
class CommittedDemoModelTest {

    private static Path demoDir() {
        String root = System.getProperty("headroom.repo.root", "..");
        return Path.of(root).resolve("models/demo");
    }

    @Test
    void loadsAndGenerates() throws Exception {
        Path dir = demoDir();
        assumeTrue(Files.isRegularFile(dir.resolve("model.safetensors")), "no committed demo model at " + dir);
        try (LoadedModel m = LoadedModel.load(dir)) {
            WordTokenizer tok = WordTokenizer.forTasks();
            assertEquals(tok.vocabSize(), m.config().vocabSize());
            String prompt = "The pass key is 71432. Remember it. 71432 is the pass key.\nWhat is the pass key? The pass key is";
            int[] ids = m.tokenizer().encode(prompt);
            assertTrue(java.util.Arrays.equals(ids, tok.encode(prompt)));
            GreedyGenerator.Result r = new GreedyGenerator(m).generate(ids, 8, new DensePolicy(), true);
            assertTrue(r.tokens().length <= 8);
        }
        long bytes;
        try (Stream<Path> files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 5_000_000, "models/demo holds " + bytes + " bytes");
    }
}
