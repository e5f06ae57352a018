package dev.headroom.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CPU checks of the KIVI packer and bf16 rounding: the quantized cache must be right before the GPU
 * reads it.
 */
class KiviQuantizerTest {
    private final Random random = new Random(7);

    private float[] uniform(int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = Bf16.toFloat(Bf16.fromFloat(lo + (hi - lo) * random.nextFloat()));
        return x;
    }

    @Test
    void kiviDequantizationErrorIsWithinHalfAStep() {
        for (int bits : new int[] {2, 4, 8}) {
            int kvHeads = 2, tokens = 150, d = 64;
            short[] k = Bf16.fromFloats(uniform(kvHeads * tokens * d, -1, 1));
            short[] v = Bf16.fromFloats(uniform(kvHeads * tokens * d, -1, 1));
            KiviCacheData data = KiviQuantizer.quantize(k, v, kvHeads, tokens, d, bits, 20);
            assertEquals(128, data.quantizedTokens());
            assertEquals(22, data.residualTokens());
            double step = 2.0 / ((1 << bits) - 1); // the range of the data over the levels
            for (int h = 0; h < kvHeads; h++) {
                float[] keys = data.keys(h), values = data.values(h);
                for (int t = 0; t < tokens; t++) {
                    for (int c = 0; c < d; c++) {
                        float kk = Bf16.toFloat(k[(h * tokens + t) * d + c]),
                                vv = Bf16.toFloat(v[(h * tokens + t) * d + c]);
                        double bound = t < data.quantizedTokens() ? step / 2 * 1.01 + 1e-3 : 0;
                        assertTrue(
                                Math.abs(keys[t * d + c] - kk) <= bound,
                                "key error at " + t + "," + c);
                        assertTrue(
                                Math.abs(values[t * d + c] - vv) <= bound,
                                "value error at " + t + "," + c);
                    }
                }
            }
        }
    }

    @Test
    void packedArraysHaveTheKernelsSizes() {
        for (int bits : new int[] {2, 4, 8}) {
            int kvHeads = 3, tokens = 301, d = 128, minResidual = 40, g = 32;
            KiviCacheData data =
                    KiviQuantizer.quantize(
                            new short[kvHeads * tokens * d],
                            new short[kvHeads * tokens * d],
                            kvHeads,
                            tokens,
                            d,
                            bits,
                            minResidual);
            int q = (tokens - minResidual) / g * g; // 256
            assertEquals(256, q);
            assertEquals(kvHeads * q * d * bits / 32, data.keyCodes().length);
            assertEquals(kvHeads * q * d * bits / 32, data.valueCodes().length);
            assertEquals(kvHeads * q / g * d, data.keyScale().length);
            assertEquals(kvHeads * q * (d / g), data.valueScale().length);
            assertEquals(kvHeads * (tokens - q) * d, data.keyResidual().length);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> KiviQuantizer.quantize(new short[64], new short[64], 1, 2, 32, 3, 0));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.0f)));
        assertEquals(1.0078125f, Bf16.toFloat(Bf16.fromFloat(1.0078125f)));
        assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.00390625f))); // tie goes to even
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.NAN)));
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
    }
}
