package dev.headroom.attention.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.runtime.InferenceState;
import dev.headroom.attention.runtime.LoadedModel;
import org.junit.jupiter.api.Test;

/**
 * A prefill longer than {@link SinkWindowAttention#QUERY_CHUNK} attends in query chunks when nobody observes the
 * probabilities; an observer forces the one-block path. Both must give the same logits at every position, dense and
 * with a sink + window that chunk boundaries cut through.
 */
class ChunkedPrefillTest {

    /** Observes nothing but is not {@link AttentionObserver#NONE}, so the layer attends in one block. */
    private static final AttentionObserver PASS_THROUGH = new AttentionObserver() {
    };

    @Test
    void chunkedPrefillEqualsOneBlock() {
        int n = 2 * SinkWindowAttention.QUERY_CHUNK + 77;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 3 + (i * 37 + i / 11) % 100;
        try (LoadedModel model = LoadedModel.load(TestModels.HF_FIXTURES.resolve("llama3_scaling_ropeparams"))) {
            for (AttentionPolicy policy : new AttentionPolicy[] {new DensePolicy(), UniformSinkWindowPolicy.tokens(4, 100)}) {
                float[] chunked = logits(model, policy, ids, AttentionObserver.NONE);
                float[] oneBlock = logits(model, policy, ids, PASS_THROUGH);
                double err = 0, scale = 0;
                for (int i = 0; i < chunked.length; i++) {
                    err = Math.max(err, Math.abs(chunked[i] - oneBlock[i]));
                    scale = Math.max(scale, Math.abs(oneBlock[i]));
                }
                assertTrue(scale > 0 && err < 1e-4 * Math.max(1, scale), policy.name() + ": chunked prefill differs by " + err);
            }
        }
    }

    private static float[] logits(LoadedModel model, AttentionPolicy policy, int[] ids, AttentionObserver observer) {
        try (NDScope scope = new NDScope(); InferenceState state = model.newState(policy, ids.length)) {
            NDArray out = model.transformer().forward(model.idsArray(ids), state, observer, false);  // [1, T, V]
            return out.toFloatArray();
        }
    }
}
