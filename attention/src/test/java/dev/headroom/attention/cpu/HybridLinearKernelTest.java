package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.oracle.HybridAttentionReference;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hybrid kernel's causal form: a whole prefill (in query chunks), the same tokens one decode
 * step at a time, and uneven pieces give the same outputs, equal to the float64 reference; the
 * linearized head's memory stays constant however long it decodes.
 */
class HybridLinearKernelTest {
    private static final int SINK = 4, WINDOW = 64, G = 2, HD = 16, F = 8;
    private static final int LENGTH = 2 * HybridLinearKernel.QUERY_CHUNK + 90; // three chunks
    private static final java.nio.file.Path DEMO =
            java.nio.file.Path.of(System.getProperty("headroom.repo.root", ".."))
                    .resolve("models/demo");

    private static HybridLinearKvCache cache(HedgehogMaps maps) {
        return new HybridLinearKvCache(
                HeadPattern.sinkWindow(SINK, WINDOW),
                new HybridLinearFormat(2, maps),
                new int[] {0},
                HD);
    }

    /**
     * Attends positions [from, to) of q, k, v in one call, then appends them, as the runtime does.
     */
    private static NDArray run(
            HybridLinearKvCache c, NDArray q, NDArray k, NDArray v, int from, int to) {
        NDArray qs = q.get(new NDIndex(":, :, :, {}:{}", from, to));
        NDArray ks = k.get(new NDIndex(":, :, {}:{}", from, to)),
                vs = v.get(new NDIndex(":, :, {}:{}", from, to));
        NDArray out =
                HybridLinearKernel.INSTANCE.attend(0, qs, ks, vs, from, c, AttentionObserver.NONE);
        c.append(ks, vs);
        return out;
    }

    private static NDArray pieces(HedgehogMaps maps, NDArray q, NDArray k, NDArray v, int... cuts) {
        try (HybridLinearKvCache c = cache(maps)) {
            NDList parts = new NDList();
            int from = 0;
            for (int cut : cuts) {
                parts.add(run(c, q, k, v, from, cut));
                from = cut;
            }
            return NDArrays.concat(parts, 3);
        }
    }

    @Test
    void chunkedRecurrentAndReferenceAgree() {
        Random r = new Random(3);
        HedgehogMaps maps = LinearTestHeads.random(r, SINK, WINDOW, G, HD, F);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] qf = gaussian(r, G * LENGTH * HD),
                    kf = gaussian(r, LENGTH * HD),
                    vf = gaussian(r, LENGTH * HD);
            NDArray q = m.create(qf, new Shape(1, 1, G, LENGTH, HD));
            NDArray k = m.create(kf, new Shape(1, 1, LENGTH, HD)),
                    v = m.create(vf, new Shape(1, 1, LENGTH, HD));
            float[] whole = pieces(maps, q, k, v, LENGTH).toFloatArray();
            int[] steps = new int[LENGTH];
            for (int t = 0; t < LENGTH; t++) steps[t] = t + 1;
            float[] recurrent = pieces(maps, q, k, v, steps).toFloatArray();
            float[] uneven = pieces(maps, q, k, v, 70, 71, 300, LENGTH - 1, LENGTH).toFloatArray();
            double[] reference = reference(maps, qf, kf, vf);
            assertTrue(
                    relativeL2(recurrent, whole) < 1e-5,
                    "recurrent vs chunked " + relativeL2(recurrent, whole));
            assertTrue(
                    relativeL2(uneven, whole) < 1e-5,
                    "pieces vs chunked " + relativeL2(uneven, whole));
            double err = relativeL2(whole, reference);
            assertTrue(err < 1e-5, "chunked vs float64 reference " + err);
        }
    }

    /**
     * The float64 reference over the same inputs, [G][T][hd] flattened like the kernel's output.
     */
    private static double[] reference(HedgehogMaps maps, float[] qf, float[] kf, float[] vf) {
        double[][] keys = new double[LENGTH][HD],
                values = new double[LENGTH][HD],
                phiK = new double[LENGTH][];
        for (int t = 0; t < LENGTH; t++) {
            for (int d = 0; d < HD; d++) {
                keys[t][d] = kf[t * HD + d];
                values[t][d] = vf[t * HD + d];
            }
            phiK[t] = HedgehogMaps.features(keys[t], maps.keyMap());
        }
        double[] out = new double[G * LENGTH * HD];
        HeadPattern p = HeadPattern.sinkWindow(SINK, WINDOW);
        for (int g = 0; g < G; g++) {
            for (int t = 0; t < LENGTH; t++) {
                double[] q = new double[HD];
                for (int d = 0; d < HD; d++) q[d] = qf[(g * LENGTH + t) * HD + d];
                double[] phiQ = HedgehogMaps.features(q, maps.queryMaps()[g]);
                double[] y =
                        HybridAttentionReference.attend(
                                q, keys, values, phiQ, phiK, maps.gamma()[g], p, t);
                System.arraycopy(y, 0, out, (g * LENGTH + t) * HD, HD);
            }
        }
        return out;
    }

    @Test
    void decodeStateIsConstantInLength() {
        Random r = new Random(5);
        HedgehogMaps maps = LinearTestHeads.random(r, SINK, WINDOW, G, HD, F);
        try (NDManager m = NDManager.newBaseManager();
                HybridLinearKvCache c = cache(maps)) {
            long bytesAtWindow = -1;
            for (int t = 0; t < 300; t++) {
                NDArray q = m.randomNormal(new Shape(1, 1, G, 1, HD));
                NDArray k = m.randomNormal(new Shape(1, 1, 1, HD)),
                        v = m.randomNormal(new Shape(1, 1, 1, HD));
                HybridLinearKernel.INSTANCE
                        .attend(0, q, k, v, t, c, AttentionObserver.NONE)
                        .close();
                c.append(k, v);
                if (t + 1 == SINK + WINDOW) bytesAtWindow = c.bytes();
                if (t + 1 > SINK + WINDOW) {
                    assertEquals(bytesAtWindow, c.bytes(), "bytes at " + (t + 1));
                    assertEquals(SINK + WINDOW, c.heldTokens());
                    assertEquals(new Shape(1, 1, 2 * F, HD), c.state().getShape());
                }
            }
            // the window's bf16 entries plus the fp32 state, S [2f][hd] and z [2f]
            assertEquals(2L * (SINK + WINDOW) * HD * 2 + 4L * (2 * F * HD + 2 * F), bytesAtWindow);
        }
    }

    /**
     * On the demo model, a sequence with every head linearized holds the same bytes at every
     * length.
     */
    @Test
    void linearizedModelDecodesInConstantMemory() {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            ModelConfig c = model.config();
            LinearHeads heads = LinearTestHeads.everyHead(c, 4, 16, 8, 2);
            try (RuntimeSequence seq =
                    model.open(
                            new LinearHeadsPolicy(new DensePolicy(), null, true, "linear-all"),
                            64,
                            LinearTestHeads.serving(heads))) {
                int[] prompt = new int[64];
                java.util.Arrays.fill(prompt, 5);
                seq.prefill(prompt);
                long bytes = seq.cacheBytes();
                for (int t = 0; t < 120; t++) {
                    seq.decode(4 + t % 50);
                    assertEquals(bytes, seq.cacheBytes(), "bytes after " + (65 + t) + " tokens");
                    assertEquals(20, seq.heldTokens(c.numLayers() - 1, 0));
                }
            }
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static double relativeL2(float[] got, float[] ref) {
        double[] d = new double[ref.length];
        for (int i = 0; i < d.length; i++) d[i] = ref[i];
        return relativeL2(got, d);
    }

    private static double relativeL2(float[] got, double[] ref) {
        double err = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            err += (got[i] - ref[i]) * (got[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(err / norm);
    }
}
