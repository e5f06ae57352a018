package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** CPU checks of the float64 references and the KIVI quantizer: the oracle must be right before the GPU is judged. */
class ReferenceAndQuantizerTest {
  private final Random random = new Random(7);

  private float[] uniform(int n, float lo, float hi) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = Bf16.toFloat(Bf16.fromFloat(lo + (hi - lo) * random.nextFloat()));
    return x;
  }

  @Test
  void windowLongerThanTheSequenceIsDense() {
    AttentionShape s = new AttentionShape(4, 2, 40, 64);
    float[] q = uniform(4 * 40 * 64, -1, 1), k = uniform(2 * 40 * 64, -1, 1), v = uniform(2 * 40 * 64, -1, 1);
    double[] dense = AttentionReference.prefill(q, k, v, s, SparsePlan.dense(2));
    double[] wide = AttentionReference.prefill(q, k, v, s, SparsePlan.uniform(2, 3, 40));
    for (int i = 0; i < dense.length; i++) assertEquals(dense[i], wide[i], 1e-12);
  }

  @Test
  void decodeEqualsTheLastRowOfPrefill() {
    int len = 23, d = 64;
    AttentionShape s = new AttentionShape(2, 1, len, d);
    float[] q = uniform(2 * len * d, -1, 1), k = uniform(len * d, -1, 1), v = uniform(len * d, -1, 1);
    SparsePlan plan = SparsePlan.uniform(1, 2, 5);
    double[] prefill = AttentionReference.prefill(q, k, v, s, plan);
    float[] lastQ = new float[2 * d];
    for (int h = 0; h < 2; h++) System.arraycopy(q, (h * len + len - 1) * d, lastQ, h * d, d);
    int[] kept = {0, 1, 18, 19, 20, 21, 22};
    float[] keys = new float[kept.length * d], values = new float[kept.length * d];
    for (int i = 0; i < kept.length; i++) {
      System.arraycopy(k, kept[i] * d, keys, i * d, d);
      System.arraycopy(v, kept[i] * d, values, i * d, d);
    }
    double[] step = AttentionReference.decode(lastQ, new float[][] {keys}, new float[][] {values}, 2, d);
    for (int h = 0; h < 2; h++)
      for (int c = 0; c < d; c++) assertEquals(prefill[(h * len + len - 1) * d + c], step[h * d + c], 1e-12);
  }

  @Test
  void linearAttentionOfOneTokenIsItsValue() {
    AttentionShape s = new AttentionShape(1, 1, 1, 64);
    float[] q = uniform(64, 0.1f, 1), k = uniform(64, 0.1f, 1), v = uniform(64, -1, 1);
    double[] out = AttentionReference.linear(q, k, v, s, true);
    for (int c = 0; c < 64; c++) assertEquals(v[c], out[c], 1e-9);
  }

  @Test
  void kiviDequantizationErrorIsWithinHalfAStep() {
    for (int bits : new int[] {2, 4}) {
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
            float kk = Bf16.toFloat(k[(h * tokens + t) * d + c]), vv = Bf16.toFloat(v[(h * tokens + t) * d + c]);
            double bound = t < data.quantizedTokens() ? step / 2 * 1.02 + 0.01 : 0;
            assertTrue(Math.abs(keys[t * d + c] - kk) <= bound, "key error at " + t + "," + c);
            assertTrue(Math.abs(values[t * d + c] - vv) <= bound, "value error at " + t + "," + c);
          }
        }
      }
    }
  }

  @Test
  void relativeL2RejectsNaN() {
    short[] out = {Bf16.fromFloat(1f), Bf16.NAN};
    assertTrue(Double.isNaN(AttentionReference.relativeL2(out, new double[] {1, 1})));
    assertTrue(!new GpuParityCheck.Result("x", Double.NaN).passed());
  }

  @Test
  void backendFallsBackToCpuWithoutAGpu() {
    assertEquals(Backend.CPU, GpuAvailability.resolve(Backend.CPU));
    assertEquals(Backend.AUTO, Backend.parse(" Auto "));
    assertThrows(IllegalArgumentException.class, () -> Backend.parse("tpu"));
    if (!GpuAvailability.probe().available()) {
      assertEquals(Backend.CPU, GpuAvailability.resolve(Backend.AUTO));
      assertThrows(IllegalStateException.class, () -> GpuAvailability.resolve(Backend.GPU));
    }
  }
}
