package dev.headroom.attention.gpu.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.oracle.ReferenceAttention;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.quantize.Bf16;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * On the CPU, what the parity check relies on: the core's float64 oracle as the check calls it
 * (bf16 inputs widened, one pattern per KV head), and the bf16 relative-L2 adapter. The oracle must
 * be right before the GPU is judged.
 */
class ParityOracleTest {
    private final Random random = new Random(7);

    private float[] uniform(int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = Bf16.toFloat(Bf16.fromFloat(lo + (hi - lo) * random.nextFloat()));
        return x;
    }

    private static HeadPattern[] uniform(int kvHeads, HeadPattern p) {
        HeadPattern[] patterns = new HeadPattern[kvHeads];
        Arrays.fill(patterns, p);
        return patterns;
    }

    @Test
    void windowLongerThanTheSequenceIsDense() {
        float[] q = uniform(4 * 40 * 64, -1, 1),
                k = uniform(2 * 40 * 64, -1, 1),
                v = uniform(2 * 40 * 64, -1, 1);
        double[] dense =
                ReferenceAttention.prefill(q, k, v, 4, 40, 64, uniform(2, HeadPattern.full()));
        double[] wide =
                ReferenceAttention.prefill(
                        q, k, v, 4, 40, 64, uniform(2, HeadPattern.sinkWindow(3, 40)));
        for (int i = 0; i < dense.length; i++) assertEquals(dense[i], wide[i], 1e-12);
    }

    @Test
    void decodeEqualsTheLastRowOfPrefill() {
        int len = 23, d = 64;
        float[] q = uniform(2 * len * d, -1, 1),
                k = uniform(len * d, -1, 1),
                v = uniform(len * d, -1, 1);
        double[] prefill =
                ReferenceAttention.prefill(
                        q, k, v, 2, len, d, uniform(1, HeadPattern.sinkWindow(2, 5)));
        float[] lastQ = new float[2 * d];
        for (int h = 0; h < 2; h++) System.arraycopy(q, (h * len + len - 1) * d, lastQ, h * d, d);
        int[] kept = {0, 1, 18, 19, 20, 21, 22};
        float[] keys = new float[kept.length * d], values = new float[kept.length * d];
        for (int i = 0; i < kept.length; i++) {
            System.arraycopy(k, kept[i] * d, keys, i * d, d);
            System.arraycopy(v, kept[i] * d, values, i * d, d);
        }
        double[] step =
                ReferenceAttention.decode(
                        lastQ, new float[][] {keys}, new float[][] {values}, 2, d);
        for (int h = 0; h < 2; h++)
            for (int c = 0; c < d; c++)
                assertEquals(prefill[(h * len + len - 1) * d + c], step[h * d + c], 1e-12);
    }

    @Test
    void linearAttentionOfOneTokenIsItsValue() {
        float[] q = uniform(64, 0.1f, 1), k = uniform(64, 0.1f, 1), v = uniform(64, -1, 1);
        double[] out = ReferenceAttention.linear(q, k, v, 1, 1, 1, 64, true);
        for (int c = 0; c < 64; c++) assertEquals(v[c], out[c], 1e-9);
    }

    @Test
    void relativeL2RejectsNaN() {
        short[] out = {Bf16.fromFloat(1f), Bf16.NAN};
        assertTrue(Double.isNaN(GpuParityCheck.relativeL2(out, new double[] {1, 1})));
        assertFalse(new GpuParityCheck.Result("x", Double.NaN).passed());
        short[] exact = {Bf16.fromFloat(1f), Bf16.fromFloat(-2f)};
        assertEquals(0, GpuParityCheck.relativeL2(exact, new double[] {1, -2}));
    }

    @Test
    void mixedPlanHasTheIssuesDensity() {
        assertEquals(0.287, GpuBench.causalDensity(GpuBench.mixedPlan(), 32768), 5e-4);
    }
}
