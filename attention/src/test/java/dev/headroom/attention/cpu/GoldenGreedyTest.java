package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.oracle.NaiveTransformer;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A real pretrained checkpoint (stories260K): its greedy continuation of BOS is known token for
 * token.
 */
class GoldenGreedyTest {

    @Test
    void greedyContinuationOfBosMatchesGolden() throws Exception {
        Path dir = TestModels.shared("stories260K");
        JsonNode golden = new ObjectMapper().readTree(dir.resolve("golden_greedy.json").toFile());
        int[] expected =
                IntStream.range(0, golden.get("greedy_tokens").size())
                        .map(i -> golden.get("greedy_tokens").get(i).asInt())
                        .toArray();
        int[] prompt =
                IntStream.range(0, golden.get("prompt_ids").size())
                        .map(i -> golden.get("prompt_ids").get(i).asInt())
                        .toArray();
        try (LoadedModel model = LoadedModel.load(dir)) {
            GreedyGenerator.Result r =
                    new GreedyGenerator(model)
                            .generate(prompt, expected.length, new DensePolicy(), false);
            assertArrayEquals(expected, r.tokens());
            // a dense bf16-served cache: 5 layers x 4 KV heads x 8 dims x (K+V) x 2 bytes per token
            // held
            assertEquals(
                    (long) (prompt.length + expected.length - 1) * 5 * 4 * 8 * 2 * 2,
                    r.cacheBytes());
            assertEquals(1.0, r.density(), 1e-12);
        }
    }

    @Test
    void fastRuntimeMatchesNaiveOracleOnRealWeights() throws Exception {
        Path dir = TestModels.shared("stories260K");
        int[] ids = {1, 461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283};
        try (LoadedModel model = LoadedModel.load(dir);
                Checkpoint ckpt = Checkpoint.open(dir)) {
            float[][] fast = model.logits(ids, new DensePolicy());
            double[][] slow = new NaiveTransformer(ckpt, ConfigReader.read(dir)).logits(ids);
            double maxErr = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < slow[t].length; v++)
                    maxErr = Math.max(maxErr, Math.abs(fast[t][v] - slow[t][v]));
            }
            assertTrue(
                    maxErr < 1e-3,
                    "fp32 runtime vs float64 oracle: max abs logit difference " + maxErr);
        }
    }
}
