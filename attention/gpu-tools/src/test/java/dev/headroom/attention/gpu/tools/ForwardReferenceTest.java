package dev.headroom.attention.gpu.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.checkpoint.DType;
import dev.headroom.attention.gpu.tools.GpuParityCheck.Result;
import dev.headroom.attention.model.Architecture;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RopeConfig;
import dev.headroom.attention.model.RotaryTable;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * On the CPU, the float64 references the forward kernels are judged by: hand examples, invariants,
 * and agreement with attention/core's RotaryTable.
 */
class ForwardReferenceTest {
    private final Random random = new Random(11);

    @Test
    void linearIsXTimesWTransposed() {
        float[] x = {1, 2, 3, 4, 5, 6}; // [2][3]
        float[] w = {1, 0, -1, 2, 1, 0}; // [2][3]
        assertArrayEquals(new double[] {-2, 4, -2, 13}, ForwardReference.linear(x, w, 2, 2, 3));
    }

    @Test
    void rmsNormOfAConstantRowIsItsSignTimesWeight() {
        float[] x = {3, 3, 3, 3, -2, -2, -2, -2};
        float[] weight = {1, 2, 0.5f, 1};
        double[] y = ForwardReference.rmsNorm(x, weight, 2, 4, 0);
        assertArrayEquals(new double[] {1, 2, 0.5, 1, -1, -2, -0.5, -1}, y, 1e-12);
    }

    @Test
    void swigluMatchesHandValues() {
        float[] gateUp = {0, 2, -30, 3, 5, 7}; // 1 row, ffn 3: gate 0, 2, -30; up 3, 5, 7
        double[] out = ForwardReference.swiglu(gateUp, 1, 3);
        assertEquals(0, out[0], 1e-15);
        assertEquals(2 / (1 + Math.exp(-2)) * 5, out[1], 1e-12);
        assertEquals(0, out[2], 1e-10);
    }

    @Test
    void argmaxTakesTheFirstLargestAndSkipsNaN() {
        float[] logits = {1, 5, 5, 2, Float.NaN, 3, Float.NaN, Float.NaN, Float.NaN};
        assertArrayEquals(new int[] {1, 2, -1}, ForwardReference.argmax(logits, 3, 3));
    }

    private static ModelConfig llama(RopeConfig rope) {
        return new ModelConfig(
                Architecture.LLAMA,
                128256,
                4096,
                14336,
                32,
                32,
                8,
                128,
                131072,
                1e-5,
                rope,
                false,
                false,
                false,
                0,
                128000,
                128001,
                DType.BF16);
    }

    /**
     * A unit vector at dimension i rotates to (cos, sin) at (i, i + 64): RotaryTable's values, for
     * each scaling; other heads and channels pass through.
     */
    @Test
    void ropeRotatesAsRotaryTable() {
        for (RopeConfig rope :
                new RopeConfig[] {
                    RopeConfig.unscaled(10000),
                    new RopeConfig("linear", 1e6, 4, 0, 0, 0),
                    new RopeConfig("llama3", 500000, 8, 1, 4, 8192)
                }) {
            RotaryTable table = new RotaryTable(llama(rope));
            int[] positions = {0, 1, 9000, 131071};
            int rowStride = 3 * 128;
            for (int i : new int[] {0, 5, 40, 63}) {
                float[] x = new float[positions.length * rowStride];
                for (int t = 0; t < positions.length; t++) {
                    x[t * rowStride + 128 + i] = 1; // head 1 of 3, rotated from offset 128
                    x[t * rowStride + i] = 7; // head 0 is not rotated
                }
                double[] y =
                        ForwardReference.rope(
                                x, positions, positions.length, 1, 128, rowStride, 128, rope);
                for (int t = 0; t < positions.length; t++) {
                    int base = t * rowStride + 128;
                    assertEquals(table.cos(positions[t], i), y[base + i], 1e-7, rope.type());
                    assertEquals(table.sin(positions[t], i), y[base + i + 64], 1e-7, rope.type());
                    assertEquals(7, y[t * rowStride + i]);
                }
            }
        }
    }

    @Test
    void ropeAtPositionZeroIsIdentityAndKeepsPairNorms() {
        float[] x = new float[2 * 64];
        for (int i = 0; i < x.length; i++) x[i] = random.nextFloat() * 2 - 1;
        RopeConfig rope = new RopeConfig("llama3", 500000, 8, 1, 4, 8192);
        double[] y = ForwardReference.rope(x, new int[] {0, 77777}, 2, 1, 64, 64, 0, rope);
        for (int i = 0; i < 64; i++) assertEquals(x[i], y[i], 1e-12);
        for (int i = 0; i < 32; i++) {
            double before = Math.hypot(x[64 + i], x[64 + i + 32]);
            assertEquals(before, Math.hypot(y[64 + i], y[64 + i + 32]), 1e-9);
        }
    }

    @Test
    void exactChecksPassOnlyOnEquality() {
        assertEquals(0, ForwardParityCheck.mismatch(new int[] {1, 2}, new int[] {1, 2}));
        assertEquals(0.5, ForwardParityCheck.mismatch(new int[] {1, 3}, new int[] {1, 2}));
        assertEquals(
                0,
                ForwardParityCheck.mismatch(
                        new float[] {Float.NaN, 1}, new float[] {Float.NaN, 1}));
        assertTrue(new Result("x", 0, ForwardParityCheck.EXACT).passed());
        assertFalse(new Result("x", 1e-9, ForwardParityCheck.EXACT).passed());
        assertFalse(new Result("x", Double.NaN, ForwardParityCheck.F32_BOUND).passed());
        assertTrue(
                Double.isNaN(
                        ForwardParityCheck.relativeL2(new float[] {Float.NaN}, new double[] {1})));
    }
}
