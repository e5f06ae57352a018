package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.quantize.Bf16;
import dev.headroom.quantize.Fp8E4m3;
import dev.headroom.quantize.KiviCacheData;
import dev.headroom.quantize.KiviGroups;
import dev.headroom.quantize.KiviQuantizer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU's quantized caches: KIVI's flush schedule, their bytes, and the GPU packer's codes. */
class QuantizedKvCacheTest {
    private static final int HD = 32;

    /** bf16-representable random rows [B=1, n, t, HD], so the GPU packer sees the same floats. */
    private static float[] rows(Random r, int n, int t) {
        float[] x = new float[n * t * HD];
        for (int i = 0; i < x.length; i++)
            x[i] = Bf16.toFloat(Bf16.fromFloat((float) r.nextGaussian()));
        return x;
    }

    private static float[] heldRow(NdKvCache c, NDArray buffer, int head, int pos) {
        int slot = KvSlots.slot(c.pattern(), pos);
        return buffer.get(new NDIndex("0, {}, {}", head, slot)).toFloatArray();
    }

    private static float[] row(float[] all, int t, int head, int pos) {
        float[] out = new float[HD];
        System.arraycopy(all, (head * t + pos) * HD, out, 0, HD);
        return out;
    }

    @Test
    void flushesOnKivisScheduleInAHandMadeSequence() {
        // group 4, residual 8, sink 2: keys flush 4 at a time when 12 have gathered after the
        // sink, values one at a time once 8 have
        KiviFormat f = new KiviFormat(2, 4, 8, 2);
        int[][] expected = { // {tokens appended, key codes, value codes}
            {2, 0, 0},
            {10, 0, 0},
            {11, 0, 1},
            {13, 0, 3},
            {14, 4, 4},
            {17, 4, 7},
            {18, 8, 8},
            {22, 12, 12},
            {25, 12, 15}
        };
        Random r = new Random(1);
        int total = 25;
        float[] k = rows(r, 1, total), v = rows(r, 1, total);
        try (NDManager m = NDManager.newBaseManager();
                NdKvCache c = NdKvCache.of(HeadPattern.full(), f, new int[] {0}, HD)) {
            int at = 0;
            for (int[] step : expected) {
                for (; c.position() < step[0]; ) {
                    int p = c.position();
                    c.append(
                            m.create(row(k, total, 0, p), new Shape(1, 1, 1, HD)),
                            m.create(row(v, total, 0, p), new Shape(1, 1, 1, HD)));
                }
                KiviBufferQuantizer q = (KiviBufferQuantizer) c.quantizer();
                for (int pos = 0; pos < step[0]; pos++) {
                    boolean keyCode = pos >= 2 && pos < 2 + step[1];
                    boolean valueCode = pos >= 2 && pos < 2 + step[2];
                    if (keyCode) assertNotNull(q.keyGroupWords(0, 0, (pos - 2) / 4));
                    else
                        assertArrayEquals(
                                row(k, total, 0, pos),
                                heldRow(c, c.keys, 0, pos),
                                "after " + step[0] + ": key " + pos + " stays full precision");
                    if (valueCode) assertNotNull(q.valueRowHalves(0, 0, pos));
                    else {
                        assertNull(q.valueRowHalves(0, 0, pos));
                        assertArrayEquals(
                                row(v, total, 0, pos),
                                heldRow(c, c.values, 0, pos),
                                "after " + step[0] + ": value " + pos + " stays full precision");
                    }
                }
                assertNull(q.keyGroupWords(0, 0, step[1] / 4), "no group beyond the flushed");
                assertEquals(c.bytes(), c.storedBytes(), "bytes after " + step[0]);
                at++;
            }
            assertEquals(expected.length, at);
        }
    }

    @Test
    void prefillAtOnceEndsLikeTokenByToken() {
        Random r = new Random(2);
        for (HeadPattern p :
                new HeadPattern[] {HeadPattern.full(), HeadPattern.sinkWindow(3, 45)}) {
            KiviFormat f = new KiviFormat(4, 8, 16, 1);
            int t = 90, n = 2;
            float[] k = rows(r, n, t), v = rows(r, n, t);
            try (NDManager m = NDManager.newBaseManager();
                    NdKvCache once = NdKvCache.of(p, f, new int[] {0, 1}, HD);
                    NdKvCache steps = NdKvCache.of(p, f, new int[] {0, 1}, HD)) {
                once.append(
                        m.create(k, new Shape(1, n, t, HD)), m.create(v, new Shape(1, n, t, HD)));
                NDArray kk = m.create(k, new Shape(1, n, t, HD)),
                        vv = m.create(v, new Shape(1, n, t, HD));
                for (int i = 0; i < t; i++) {
                    NDIndex at = new NDIndex(":, :, {}:{}", i, i + 1);
                    steps.append(kk.get(at), vv.get(at));
                    assertEquals(steps.bytes(), steps.storedBytes(), p + " bytes after " + (i + 1));
                }
                assertArrayEquals(once.keys().toFloatArray(), steps.keys().toFloatArray(), 1e-6f);
                assertArrayEquals(
                        once.values().toFloatArray(), steps.values().toFloatArray(), 1e-6f);
                assertEquals(once.bytes(), steps.bytes());
                assertEquals(once.bytes(), once.storedBytes());
                assertTrue(once.bytes() < 2L * n * once.heldTokens() * HD * 2, "smaller than bf16");
            }
        }
    }

    /**
     * 4-bit keys and 2-bit values in key groups of 64 tokens (wider than the head: one value group
     * per token) with no residual: every element within half a step of its own group at its own
     * width, and the bytes the format counts.
     */
    @Test
    void splitWidthsKeepEachHalfWithinItsOwnStep() {
        KiviFormat f = new KiviFormat(new KvScheme(4, 2, 64, 0), 1, KeyBasis.POST_ROPE);
        Random r = new Random(7);
        int t = 150; // 149 after the sink: two key groups, 21 keys bf16; every value a code
        float[] k = rows(r, 1, t), v = rows(r, 1, t);
        try (NDManager m = NDManager.newBaseManager();
                NdKvCache c = NdKvCache.of(HeadPattern.full(), f, new int[] {0}, HD)) {
            c.append(m.create(k, new Shape(1, 1, t, HD)), m.create(v, new Shape(1, 1, t, HD)));
            assertEquals(f.bytes(HeadPattern.full(), t, HD), c.storedBytes());
            // hand count: bf16 key rows 1 + 21, value rows 1: 23 x 64 B; key groups 2 x (64 x 16
            // + 32 x 4); value rows 149 x (32 x 2 / 8 + 4)
            assertEquals(23 * 64 + 2 * (64 * 16 + 128) + 149 * (8 + 4), c.storedBytes());
            KiviBufferQuantizer q = (KiviBufferQuantizer) c.quantizer();
            for (int p = 1; p < t; p++) {
                assertEquals(KiviGroups.valueHalves(HD, 2), q.valueRowHalves(0, 0, p).length);
                float[] want = row(v, t, 0, p), got = heldRow(c, c.values, 0, p);
                double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
                for (float x : want) {
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
                for (int d = 0; d < HD; d++)
                    assertTrue(
                            Math.abs(got[d] - want[d]) <= (hi - lo) / 3 / 2 * 1.01 + 1e-3,
                            "value " + p + " channel " + d + " within half a 2-bit step");
            }
            for (int g = 0; g < 2; g++) {
                assertEquals(64 * KiviGroups.keyWords(HD, 4), q.keyGroupWords(0, 0, g).length);
                for (int d = 0; d < HD; d++) {
                    double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
                    for (int i = 0; i < 64; i++) {
                        float x = row(k, t, 0, 1 + g * 64 + i)[d];
                        lo = Math.min(lo, x);
                        hi = Math.max(hi, x);
                    }
                    for (int i = 0; i < 64; i++) {
                        int p = 1 + g * 64 + i;
                        double e = Math.abs(heldRow(c, c.keys, 0, p)[d] - row(k, t, 0, p)[d]);
                        assertTrue(
                                e <= (hi - lo) / 15 / 2 * 1.01 + 1e-3,
                                "key " + p + " channel " + d + " within half a 4-bit step");
                    }
                }
            }
            for (int p = 129; p < t; p++)
                assertArrayEquals(row(k, t, 0, p), heldRow(c, c.keys, 0, p), "key tail bf16");
        }
    }

    @Test
    void codesAreWhatTheGpuPackerUploads() {
        for (int bits : new int[] {2, 4, 8}) {
            Random r = new Random(bits);
            int t = 200, n = 2, residual = 64;
            float[] k = rows(r, n, t), v = rows(r, n, t);
            KiviFormat f = new KiviFormat(bits, 32, residual, 0);
            KiviCacheData gpu =
                    KiviQuantizer.quantize(
                            Bf16.fromFloats(k), Bf16.fromFloats(v), n, t, HD, bits, residual);
            try (NDManager m = NDManager.newBaseManager();
                    NdKvCache c = NdKvCache.of(HeadPattern.full(), f, new int[] {0, 1}, HD)) {
                c.append(m.create(k, new Shape(1, n, t, HD)), m.create(v, new Shape(1, n, t, HD)));
                KiviBufferQuantizer q = (KiviBufferQuantizer) c.quantizer();
                int words = HD * bits / 32, quantized = gpu.quantizedTokens();
                assertEquals(128, quantized);
                for (int h = 0; h < n; h++) {
                    for (int g = 0; g < quantized / 32; g++) {
                        int[] expected = new int[32 * words];
                        System.arraycopy(
                                gpu.keyCodes(),
                                (h * quantized + g * 32) * words,
                                expected,
                                0,
                                expected.length);
                        assertArrayEquals(expected, q.keyGroupWords(0, h, g), "key group " + g);
                    }
                    for (int pos = 0; pos < quantized; pos++) {
                        short[] halves = q.valueRowHalves(0, h, pos);
                        for (int j = 0; j < 2 * words; j++) {
                            int word =
                                    gpu.valueCodes()[(h * quantized / 2 + pos / 2) * 2 * words + j];
                            assertEquals(
                                    (short) (word >>> (pos % 2 * 16)), halves[j], "value " + pos);
                        }
                    }
                    float[] gpuKeys = gpu.keys(h);
                    for (int pos = 0; pos < quantized; pos++)
                        assertArrayEquals(row(gpuKeys, 0, 0, pos), heldRow(c, c.keys, h, pos), 0f);
                }
            }
        }
    }

    @Test
    void fp8RoundsEveryTokenWithThePromptsScale() {
        Random r = new Random(4);
        int t = 20;
        float[] k = rows(r, 1, t), v = rows(r, 1, t);
        try (NDManager m = NDManager.newBaseManager();
                NdKvCache c =
                        NdKvCache.of(
                                HeadPattern.full(),
                                new Fp8Format(Fp8Format.Fp8Scaling.PER_KV_HEAD),
                                new int[] {0},
                                HD)) {
            c.append(m.create(k, new Shape(1, 1, t, HD)), m.create(v, new Shape(1, 1, t, HD)));
            float amax = 0;
            for (float x : k) amax = Math.max(amax, Math.abs(x));
            float scale = amax / 448f;
            float[] got = c.keys().toFloatArray();
            for (int i = 0; i < k.length; i++)
                assertEquals(Fp8E4m3.toFloat(Fp8E4m3.fromFloat(k[i] / scale)) * scale, got[i], 0f);
            assertEquals(2L * t * HD + 8, c.bytes());
        }
    }

    /**
     * Pre-RoPE keys (KVQuant): the cache fits each channel's group before the rotation, so undoing
     * RoPE (in float64, independently of {@link RotaryTable}) on the dequantized keys leaves every
     * element within half a step of the un-rotated key, the step being its channel's range over the
     * group. Keys whose channels have fixed scales before RoPE quantize more finely so than after.
     */
    @Test
    void preRopeKeysAreFittedBeforeTheRotation() throws Exception {
        ModelConfig config = ConfigReader.read(Path.of("..", "models", "demo")); // head dim 32
        assertEquals(HD, config.headDim());
        RotaryTable rope = new RotaryTable(config);
        Random r = new Random(5);
        int t = 96, bits = 2, group = 32;
        double[] channelScale = new double[HD];
        for (int d = 0; d < HD; d++) channelScale[d] = 0.1 + 3 * r.nextDouble();
        double[][] raw = new double[t][HD]; // keys before RoPE: a fixed scale per channel
        float[] k = new float[t * HD], v = rows(r, 1, t);
        for (int p = 0; p < t; p++)
            for (int d = 0; d < HD; d++) {
                raw[p][d] =
                        Bf16.toFloat(
                                Bf16.fromFloat(
                                        (float) (channelScale[d] * (1 + 0.2 * r.nextGaussian()))));
            }
        double[][] rotated = new double[t][];
        for (int p = 0; p < t; p++) {
            rotated[p] = turn(raw[p], p, 1, config);
            for (int d = 0; d < HD; d++) k[p * HD + d] = (float) rotated[p][d];
        }
        double[] worst = new double[2];
        for (KeyBasis basis : KeyBasis.values()) {
            KiviFormat f = new KiviFormat(bits, group, 32, 0, basis);
            try (NDManager m = NDManager.newBaseManager();
                    NdKvCache c = NdKvCache.of(HeadPattern.full(), f, new int[] {0}, HD, rope)) {
                c.append(m.create(k, new Shape(1, 1, t, HD)), m.create(v, new Shape(1, 1, t, HD)));
                int quantized = (int) f.quantizedKeys(t);
                assertEquals(64, quantized);
                double err = 0;
                for (int g = 0; g < quantized / group; g++) {
                    for (int d = 0; d < HD; d++) {
                        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
                        double[] fitted = new double[group];
                        for (int i = 0; i < group; i++) {
                            int p = g * group + i;
                            fitted[i] = basis == KeyBasis.PRE_ROPE ? raw[p][d] : rotated[p][d];
                            lo = Math.min(lo, fitted[i]);
                            hi = Math.max(hi, fitted[i]);
                        }
                        double halfStep = (hi - lo) / ((1 << bits) - 1) / 2;
                        for (int i = 0; i < group; i++) {
                            int p = g * group + i;
                            double[] got = toDouble(heldRow(c, c.keys, 0, p));
                            double[] inBasis =
                                    basis == KeyBasis.PRE_ROPE ? turn(got, p, -1, config) : got;
                            double e = Math.abs(inBasis[d] - fitted[i]);
                            // fp16 scale/min rounding and the float32 rotation: a little over half
                            // a step
                            assertTrue(
                                    e <= halfStep * 1.01 + 1e-3,
                                    basis
                                            + " key "
                                            + p
                                            + " channel "
                                            + d
                                            + ": "
                                            + e
                                            + " > "
                                            + halfStep);
                            err += (got[d] - rotated[p][d]) * (got[d] - rotated[p][d]);
                        }
                    }
                }
                worst[basis.ordinal()] = Math.sqrt(err);
                assertEquals(c.bytes(), c.storedBytes(), "the same bytes in either basis");
            }
        }
        assertTrue(
                worst[KeyBasis.PRE_ROPE.ordinal()] < 0.7 * worst[KeyBasis.POST_ROPE.ordinal()],
                "pre-RoPE error " + worst[1] + " against post-RoPE " + worst[0]);
    }

    /** RoPE in float64 at position p (sign -1 undoes it), rotate-half layout. */
    private static double[] turn(double[] x, int p, int sign, ModelConfig config) {
        double[] inv = config.rope().inverseFrequencies(HD);
        double[] y = x.clone();
        for (int d = 0; d < HD / 2; d++) {
            double a = (float) ((float) inv[d] * (float) p),
                    c = Math.cos(a),
                    s = sign * Math.sin(a);
            y[d] = x[d] * c - x[d + HD / 2] * s;
            y[d + HD / 2] = x[d + HD / 2] * c + x[d] * s;
        }
        return y;
    }

    private static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i];
        return y;
    }
}
