package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.policy.DensePolicy;
import org.junit.jupiter.api.Test;

/** Attention probabilities and their gradients, checked against a finite difference of the loss. */
class GradientProbeTest {
    private static final int[] IDS = {5, 9, 17, 33, 2, 7, 40, 41, 12, 90};
    private static final int LAYER = 0, KV = 1, G = 1, QUERY = 8, KEY = 3;

    /**
     * Loss: minus the log-probability of token 11 at the last position, optionally with A[...] +=
     * eps.
     */
    private double loss(LoadedModel model, double eps) {
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(new DensePolicy(), IDS.length)) {
            AttentionObserver bump =
                    new AttentionObserver() {
                        @Override
                        public NDArray onProbabilities(int layer, NDArray probs, int pos0) {
                            if (layer != LAYER || eps == 0) return probs;
                            NDArray delta = probs.zerosLike();
                            delta.set(new NDIndex(0, KV, G, QUERY, KEY), (float) eps);
                            return probs.add(delta);
                        }
                    };
            NDArray logits = model.transformer().forward(model.idsArray(IDS), state, bump, true);
            return -logits.logSoftmax(-1).toFloatArray()[11];
        }
    }

    @Test
    void gradientMatchesFiniteDifference() {
        try (LoadedModel model =
                LoadedModel.load(TestModels.HF_FIXTURES.resolve("llama_f32_untied_ropeparams"))) {
            GradientProbe probe = new GradientProbe();
            try (NDScope scope = new NDScope();
                    InferenceState state = model.newState(new DensePolicy(), IDS.length);
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits =
                        model.transformer().forward(model.idsArray(IDS), state, probe, true);
                NDArray loss = logits.logSoftmax(-1).get(new NDIndex(0, 0, 11)).neg();
                gc.backward(loss);
                NDArray a = probe.probabilities(LAYER);
                assertEquals(
                        new ai.djl.ndarray.types.Shape(1, 2, 2, IDS.length, IDS.length),
                        a.getShape());
                // rows of A sum to one, and causal entries above the diagonal are zero
                float[] rowSums = a.sum(new int[] {-1}).toFloatArray();
                for (float s : rowSums) assertEquals(1.0, s, 1e-5);
                assertEquals(0.0, a.getFloat(0, 0, 0, 2, 5), 0.0);
                double analytic = probe.gradient(LAYER).getFloat(0, KV, G, QUERY, KEY);
                double eps = 1e-2;
                double numeric = (loss(model, eps) - loss(model, -eps)) / (2 * eps);
                assertTrue(
                        Math.abs(analytic) > 1e-4, "gradient should not vanish here: " + analytic);
                assertEquals(
                        numeric,
                        analytic,
                        1e-3 + 1e-2 * Math.abs(numeric),
                        "dL/dA vs central difference");
            } finally {
                probe.clear();
            }
        }
    }
}
