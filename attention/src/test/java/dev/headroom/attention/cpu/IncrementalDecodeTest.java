package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RopeConfig;
import dev.headroom.attention.policy.DensePolicy;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IncrementalDecodeTest {

    /**
     * Prefill of a prefix then one-token decode steps gives the logits of one prefill over the
     * whole sequence.
     */
    @Test
    void decodeStepsMatchFullPrefill() {
        // Mistral's sliding window (16) is crossed by this 24-token sequence, so the cached path
        // must apply it too
        for (String name :
                new String[] {
                    "mistral_f32_window", "qwen2_f32_tied", "llama3_scaling_ropeparams"
                }) {
            try (LoadedModel model = LoadedModel.load(TestModels.HF_FIXTURES.resolve(name))) {
                int[] ids = new int[24];
                for (int i = 0; i < ids.length; i++) ids[i] = 3 + (i * 37) % 100;
                float[][] full = model.logits(ids, new DensePolicy());
                try (InferenceState state = model.newState(new DensePolicy(), 10)) {
                    for (int t = 0; t < ids.length; t++) {
                        try (NDScope scope = new NDScope()) {
                            int[] chunk =
                                    t < 10
                                            ? (t == 9 ? Arrays.copyOfRange(ids, 0, 10) : null)
                                            : new int[] {ids[t]};
                            if (chunk == null) continue;
                            NDArray out =
                                    model.transformer()
                                            .forward(
                                                    model.idsArray(chunk),
                                                    state,
                                                    AttentionObserver.NONE,
                                                    true);
                            float[] last = out.toFloatArray();
                            double err = 0;
                            for (int v = 0; v < last.length; v++)
                                err = Math.max(err, Math.abs(last[v] - full[t][v]));
                            assertTrue(
                                    err < 1e-4,
                                    name
                                            + " position "
                                            + t
                                            + ": decode differs from prefill by "
                                            + err);
                        }
                    }
                    assertEquals(ids.length, state.position());
                }
            }
        }
    }

    /**
     * transformers 5's rope_parameters and the older rope_theta/rope_scaling describe the same
     * rotation.
     */
    @Test
    void bothRopeConventionsReadAlike() {
        ModelConfig legacy =
                ConfigReader.read(TestModels.HF_FIXTURES.resolve("llama3_scaling_legacy"));
        ModelConfig current =
                ConfigReader.read(TestModels.HF_FIXTURES.resolve("llama3_scaling_ropeparams"));
        assertEquals(new RopeConfig("llama3", 500000.0, 8.0, 1.0, 4.0, 64), legacy.rope());
        assertEquals(legacy.rope(), current.rope());
        assertEquals(
                "linear",
                ConfigReader.read(TestModels.HF_FIXTURES.resolve("llama_linear_scaling"))
                        .rope()
                        .type());
    }

    /**
     * llama3 scaling by hand: high frequencies kept, low ones divided by the factor, the middle
     * interpolated.
     */
    @Test
    void llama3FrequenciesByHand() {
        RopeConfig r = new RopeConfig("llama3", 10000.0, 8.0, 1.0, 4.0, 64);
        double[] inv = r.inverseFrequencies(16);
        double[] base = RopeConfig.unscaled(10000.0).inverseFrequencies(16);
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / base[i];
            if (wavelen < 16) assertEquals(base[i], inv[i], 0.0); // 64 / high_freq_factor
            else if (wavelen > 64) assertEquals(base[i] / 8, inv[i], 1e-15); // 64 / low_freq_factor
            else {
                double smooth = (64 / wavelen - 1) / 3;
                assertEquals((1 - smooth) * base[i] / 8 + smooth * base[i], inv[i], 1e-15);
            }
        }
        assertEquals(1.0, base[0], 0.0);
    }
}
