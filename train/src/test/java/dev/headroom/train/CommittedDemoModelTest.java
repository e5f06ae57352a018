package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed models/demo: loads in the runtime with its tokenizer, continues a fixed prompt with
 * its recorded greedy tokens and logits, has the shape train-demo makes, answers held-out needles,
 * and stays under 5 MB.
 */
class CommittedDemoModelTest {

    private static Path demoDir() {
        String root = System.getProperty("headroom.repo.root", "..");
        return Path.of(root).resolve("models/demo");
    }

    @Test
    void loadsAndGenerates() throws Exception {
        Path dir = demoDir();
        assumeTrue(
                Files.isRegularFile(dir.resolve("model.safetensors")),
                "no committed demo model at " + dir);
        try (LoadedModel m = LoadedModel.load(dir)) {
            WordTokenizer tok = WordTokenizer.forTasks();
            assertEquals(tok.vocabSize(), m.config().vocabSize());
            // 71432 is a held-out number (never in training); the tokens were recorded from the
            // committed weights
            String prompt =
                    "The pass key is 71432. Remember it. 71432 is the pass key.\nWhat is the pass key? The pass key is";
            int[] ids = m.tokenizer().encode(prompt);
            assertArrayEquals(tok.encode(prompt), ids);
            GreedyGenerator.Result r =
                    new GreedyGenerator(m).generate(ids, 8, new DensePolicy(), true);
            assertArrayEquals(
                    new int[] {17, 211, 214, 213, 212, 209},
                    r.tokens(),
                    "greedy continuation (then end-of-sequence): '"
                            + m.tokenizer().decode(r.tokens())
                            + "'");
            assertEquals(" 71432.", m.tokenizer().decode(r.tokens()));
            // and the logits behind the first token, also recorded: the three largest at the last
            // prompt position
            try (RuntimeSequence seq = m.open(new DensePolicy(), ids.length)) {
                float[][] logits = seq.prefillAll(ids);
                float[] last = logits[ids.length - 1];
                int[] top =
                        IntStream.range(0, last.length)
                                .boxed()
                                .sorted((a, b) -> Float.compare(last[b], last[a]))
                                .limit(3)
                                .mapToInt(Integer::intValue)
                                .toArray();
                assertArrayEquals(
                        new int[] {17, 243, 211},
                        top,
                        "the largest logits at the last prompt position");
                assertArrayEquals(
                        new float[] {18.2907f, 6.6939f, 6.6883f},
                        new float[] {last[top[0]], last[top[1]], last[top[2]]},
                        1e-3f,
                        "their values");
            }
        }
        long bytes;
        try (Stream<Path> files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 5_000_000, "models/demo holds " + bytes + " bytes");
    }

    @Test
    void hasTheShapeTrainDemoMakes() throws Exception {
        Path dir = demoDir();
        assumeTrue(
                Files.isRegularFile(dir.resolve("config.json")),
                "no committed demo model at " + dir);
        JsonNode committed = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        JsonNode expected = DemoModelSpec.DEMO.toJson(WordTokenizer.forTasks().vocabSize());
        assertEquals(
                expected,
                committed,
                "models/demo/config.json is not DemoModelSpec.DEMO: retrain or update the spec");
    }

    /** A few held-out cases at 512 tokens (keys and numbers never trained on), decoded greedily. */
    @Test
    void answersHeldOutNeedlesDenseButNotThroughANarrowWindow() throws Exception {
        Path dir = demoDir();
        assumeTrue(
                Files.isRegularFile(dir.resolve("model.safetensors")),
                "no committed demo model at " + dir);
        try (LoadedModel m = LoadedModel.load(dir)) {
            DemoEvaluator eval = new DemoEvaluator(m, 20261122, 0.0);
            assertEquals(
                    1.0,
                    eval.run(TrainingData.PASSKEY, 512, 4, new DensePolicy()).score(),
                    "passkey, dense");
            assertEquals(
                    1.0,
                    eval.run(TrainingData.NIAH, 512, 4, new DensePolicy()).score(),
                    "niah, dense");
            // needles at depths 0 and 1/3 lie more than 64 tokens back: a 4 + 64 window cannot see
            // them
            DemoEvaluator.Cell narrow =
                    eval.run(TrainingData.PASSKEY, 512, 4, UniformSinkWindowPolicy.tokens(4, 64));
            assertTrue(
                    narrow.score() <= 0.5,
                    "passkey through sink 4 + window 64 scored " + narrow.score());
        }
    }
}
