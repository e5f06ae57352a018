package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.oracle.NaiveTransformer;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A prefill longer than {@link SoftmaxAttentionKernel#QUERY_CHUNK} attends in query chunks when
 * nobody observes the probabilities; an observer forces the one-block path. Dense: both give the
 * same logits at every position. Sink + window (chunk boundaries cut through the window, and chunks
 * take only the keys they can see): the chunked prefill equals the float64 oracle, which masks
 * every key one by one.
 */
class ChunkedPrefillTest {

    /**
     * Observes nothing but is not {@link AttentionObserver#NONE}, so the layer attends in one
     * block.
     */
    private static final AttentionObserver PASS_THROUGH = new AttentionObserver() {};

    private static final Path MODEL = TestModels.HF_FIXTURES.resolve("llama3_scaling_ropeparams");

    private static int[] ids(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 3 + (i * 37 + i / 11) % 100;
        return ids;
    }

    @Test
    void chunkedDensePrefillEqualsOneBlock() {
        int[] ids = ids(2 * SoftmaxAttentionKernel.QUERY_CHUNK + 77);
        try (LoadedModel model = LoadedModel.load(MODEL)) {
            float[] chunked = logits(model, new DensePolicy(), ids, AttentionObserver.NONE);
            float[] oneBlock = logits(model, new DensePolicy(), ids, PASS_THROUGH);
            double err = 0, scale = 0;
            for (int i = 0; i < chunked.length; i++) {
                err = Math.max(err, Math.abs(chunked[i] - oneBlock[i]));
                scale = Math.max(scale, Math.abs(oneBlock[i]));
            }
            assertTrue(
                    scale > 0 && err < 1e-4 * Math.max(1, scale),
                    "chunked prefill differs by " + err);
        }
    }

    @Test
    void chunkedSinkWindowPrefillEqualsOracle() {
        int[] ids = ids(SoftmaxAttentionKernel.QUERY_CHUNK + 150);
        AttentionPolicy policy = UniformSinkWindowPolicy.tokens(4, 100);
        try (LoadedModel model = LoadedModel.load(MODEL)) {
            float[] chunked = logits(model, policy, ids, AttentionObserver.NONE);
            double[][] oracle = NaiveTransformer.load(MODEL).logits(ids, policy);
            int v = model.config().vocabSize();
            double err = 0, norm = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int i = 0; i < v; i++) {
                    double d = chunked[t * v + i] - oracle[t][i];
                    err += d * d;
                    norm += oracle[t][i] * oracle[t][i];
                }
            }
            assertTrue(
                    Math.sqrt(err / norm) < 1e-4,
                    "chunked sink + window prefill vs oracle: relative L2 "
                            + Math.sqrt(err / norm));
        }
    }

    @Test
    void observingAWindowedLayerIsRefused() {
        try (LoadedModel model = LoadedModel.load(MODEL)) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () ->
                                    logits(
                                            model,
                                            UniformSinkWindowPolicy.tokens(4, 8),
                                            ids(20),
                                            PASS_THROUGH));
            assertTrue(e.getMessage().contains("observed only for full heads"), e.getMessage());
        }
    }

    private static float[] logits(
            LoadedModel model, AttentionPolicy policy, int[] ids, AttentionObserver observer) {
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(policy, ids.length)) {
            NDArray out =
                    model.transformer()
                            .forward(model.idsArray(ids), state, observer, false); // [1, T, V]
            return out.toFloatArray();
        }
    }
}
