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
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with Hugging Face transformers 5.17 on tiny random checkpoints made by
 * scripts/fixtures/make_hf_fixtures.py: every architecture, both RoPE conventions, F32/F16/BF16,
 * tied and untied embeddings, Qwen2 biases, llama3 and linear rope scaling, Mistral's sliding
 * window.
 */
class HfParityTest {

    static List<Path> fixtures() {
        return TestModels.hfFixtures();
    }

    private static JsonNode expected(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
    }

    private static int[] ints(JsonNode n) {
        return IntStream.range(0, n.size()).map(i -> n.get(i).asInt()).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void logitsMatchTransformers(Path dir) throws Exception {
        JsonNode exp = expected(dir);
        int[] ids = ints(exp.get("input_ids"));
        try (LoadedModel model = LoadedModel.load(dir)) {
            assertEquals(exp.get("architecture").asText(), model.config().architecture().hfName());
            float[][] logits = model.logits(ids, new DensePolicy());
            int[] argmax = new int[ids.length];
            for (int t = 0; t < ids.length; t++) argmax[t] = argmax(logits[t]);
            assertArrayEquals(ints(exp.get("argmax")), argmax, "argmax at every position");
            JsonNode last = exp.get("last_logits");
            double maxErr = 0;
            for (int v = 0; v < last.size(); v++)
                maxErr =
                        Math.max(
                                maxErr,
                                Math.abs(last.get(v).asDouble() - logits[ids.length - 1][v]));
            assertTrue(maxErr < 1e-4, "last-position logits differ from transformers by " + maxErr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void naiveOracleMatchesTransformers(Path dir) throws Exception {
        JsonNode exp = expected(dir);
        int[] ids = ints(exp.get("input_ids"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            double[][] logits = new NaiveTransformer(ckpt, ConfigReader.read(dir)).logits(ids);
            JsonNode last = exp.get("last_logits");
            double maxErr = 0;
            for (int v = 0; v < last.size(); v++)
                maxErr =
                        Math.max(
                                maxErr,
                                Math.abs(last.get(v).asDouble() - logits[ids.length - 1][v]));
            assertTrue(
                    maxErr < 1e-4,
                    "oracle's last-position logits differ from transformers by " + maxErr);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void greedyDecodeMatchesTransformersGenerate(Path dir) throws Exception {
        JsonNode exp = expected(dir);
        try (LoadedModel model = LoadedModel.load(dir)) {
            int[] expectedTokens = ints(exp.get("greedy_new_tokens"));
            GreedyGenerator.Result r =
                    new GreedyGenerator(model)
                            .generate(
                                    ints(exp.get("greedy_prompt")),
                                    expectedTokens.length,
                                    expectedTokens.length,
                                    new DensePolicy(),
                                    false);
            assertArrayEquals(expectedTokens, r.tokens());
        }
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
