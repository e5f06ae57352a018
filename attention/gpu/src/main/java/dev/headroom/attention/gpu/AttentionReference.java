package dev.headroom.attention.gpu;

/**
 * Naive float64 CPU attention: the oracle the GPU kernels are checked against. Written for clarity, not speed:
 * keep the sizes small. Inputs are float arrays holding bf16 values (see {@link Bf16#toFloats}).
 */
public final class AttentionReference {
  private AttentionReference() {}

  /**
   * Causal prefill under a plan. q [heads][length][d], k, v [kvHeads][length][d]; returns [heads][length][d].
   */
  public static double[] prefill(float[] q, float[] k, float[] v, AttentionShape shape, SparsePlan plan) {
    int len = shape.length(), d = shape.headDim();
    double scale = 1.0 / Math.sqrt(d);
    double[] out = new double[Math.toIntExact(shape.queryElements())];
    double[] scores = new double[len];
    for (int head = 0; head < shape.heads(); head++) {
      int kvh = head / shape.group();
      for (int i = 0; i < len; i++) {
        int qBase = (head * len + i) * d;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          if (!plan.visible(kvh, i, j)) {
            scores[j] = Double.NEGATIVE_INFINITY;
            continue;
          }
          int kBase = (kvh * len + j) * d;
          double dot = 0;
          for (int c = 0; c < d; c++) dot += (double) q[qBase + c] * k[kBase + c];
          scores[j] = dot * scale;
          max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (int j = 0; j <= i; j++) {
          if (scores[j] == 0) continue;
          int vBase = (kvh * len + j) * d;
          double p = scores[j] / sum;
          for (int c = 0; c < d; c++) out[qBase + c] += p * v[vBase + c];
        }
      }
    }
    return out;
  }

  /**
   * One decode step over explicit per-KV-head key sets. q [heads][d]; keys[kvh], values[kvh]: [n_kvh][d].
   * Returns [heads][d].
   */
  public static double[] decode(float[] q, float[][] keys, float[][] values, int heads, int headDim) {
    int kvHeads = keys.length, group = heads / kvHeads, d = headDim;
    double scale = 1.0 / Math.sqrt(d);
    double[] out = new double[heads * d];
    for (int head = 0; head < heads; head++) {
      float[] kh = keys[head / group], vh = values[head / group];
      int n = kh.length / d;
      double[] s = new double[n];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        double dot = 0;
        for (int c = 0; c < d; c++) dot += (double) q[head * d + c] * kh[j * d + c];
        s[j] = dot * scale;
        max = Math.max(max, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - max);
      for (int j = 0; j < n; j++)
        for (int c = 0; c < d; c++) out[head * d + c] += s[j] / sum * vh[j * d + c];
    }
    return out;
  }

  /**
   * Causal linear attention on feature-mapped q and k: o_i = sum_{j<=i} (q_i . k_j) v_j, divided by
   * sum_{j<=i} q_i . k_j when normalize. Returns [heads][length][d].
   */
  public static double[] linear(float[] q, float[] k, float[] v, AttentionShape shape, boolean normalize) {
    int len = shape.length(), d = shape.headDim();
    double[] out = new double[Math.toIntExact(shape.queryElements())];
    for (int head = 0; head < shape.heads(); head++) {
      int kvh = head / shape.group();
      double[][] state = new double[d][d];
      double[] z = new double[d];
      for (int i = 0; i < len; i++) {
        int kBase = (kvh * len + i) * d, qBase = (head * len + i) * d;
        for (int a = 0; a < d; a++) {
          z[a] += k[kBase + a];
          for (int c = 0; c < d; c++) state[a][c] += (double) k[kBase + a] * v[kBase + c];
        }
        double den = 0;
        for (int a = 0; a < d; a++) den += q[qBase + a] * z[a];
        for (int c = 0; c < d; c++) {
          double num = 0;
          for (int a = 0; a < d; a++) num += q[qBase + a] * state[a][c];
          out[qBase + c] = normalize ? (den != 0 ? num / den : 0) : num;
        }
      }
    }
    return out;
  }

  /**
   * ||out - ref|| / ||ref|| over all elements; NaN or infinity anywhere in out gives NaN, which fails any bound.
   */
  public static double relativeL2(short[] outBf16, double[] ref) {
    if (outBf16.length != ref.length) throw new IllegalArgumentException("lengths differ");
    double err = 0, norm = 0;
    for (int i = 0; i < ref.length; i++) {
      double x = Bf16.toFloat(outBf16[i]);
      if (!Double.isFinite(x)) return Double.NaN;
      err += (x - ref[i]) * (x - ref[i]);
      norm += ref[i] * ref[i];
    }
    return Math.sqrt(err / norm);
  }
}
