package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.model.RopeConfig;

/**
 * Float64 references for the forward-pass kernels (gemm*.cu, forward.cu), written as plain loops
 * over the same (bf16-representable) inputs the kernels get, so the only differences a parity check
 * sees are the kernels' own fp32 arithmetic and output rounding.
 */
final class ForwardReference {
    private ForwardReference() {}

    /** y = x W^T: x [m][k], w [n][k], y [m][n]. */
    static double[] linear(float[] x, float[] w, int m, int n, int k) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) linearRow(x, w, i, n, k, y, i * n);
        return y;
    }

    /** Row i of y = x W^T into y[at .. at + n). */
    static void linearRow(float[] x, float[] w, int i, int n, int k, double[] y, int at) {
        for (int j = 0; j < n; j++) {
            double s = 0;
            int xo = i * k, wo = j * k;
            for (int c = 0; c < k; c++) s += (double) x[xo + c] * w[wo + c];
            y[at + j] = s;
        }
    }

    /** y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight. */
    static double[] rmsNorm(float[] x, float[] weight, int rows, int dim, double eps) {
        double[] y = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < dim; c++) ss += (double) x[r * dim + c] * x[r * dim + c];
            double inv = 1 / Math.sqrt(ss / dim + eps);
            for (int c = 0; c < dim; c++) y[r * dim + c] = x[r * dim + c] * inv * weight[c];
        }
        return y;
    }

    /**
     * The angle RotaryTable rotates pair {@code i} by at {@code position}: the fp32 inverse
     * frequency times the fp32 position, in fp32 (as transformers computes it).
     */
    static float angle(double[] inverseFrequencies, int i, int position) {
        return (float) inverseFrequencies[i] * (float) position;
    }

    /**
     * Rotate-half RoPE of heads [0, heads) from element {@code offset} of each row of {@code
     * rowStride} elements; the rest of each row passes through. cos and sin in float64 of the fp32
     * angle.
     */
    static double[] rope(
            float[] x,
            int[] positions,
            int tokens,
            int heads,
            int headDim,
            int rowStride,
            int offset,
            RopeConfig rope) {
        double[] inv = rope.inverseFrequencies(headDim);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i];
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int base = t * rowStride + offset + h * headDim;
                for (int i = 0; i < half; i++) {
                    double a = angle(inv, i, positions[t]);
                    double c = Math.cos(a), s = Math.sin(a);
                    double x1 = x[base + i], x2 = x[base + i + half];
                    y[base + i] = x1 * c - x2 * s;
                    y[base + i + half] = x2 * c + x1 * s;
                }
            }
        }
        return y;
    }

    /** out[r][i] = silu(gateUp[r][i]) * gateUp[r][ffn + i]. */
    static double[] swiglu(float[] gateUp, int rows, int ffn) {
        double[] out = new double[rows * ffn];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < ffn; i++) {
                double g = gateUp[r * 2 * ffn + i], u = gateUp[r * 2 * ffn + ffn + i];
                out[r * ffn + i] = g / (1 + Math.exp(-g)) * u;
            }
        }
        return out;
    }

    /** The first index of the largest non-NaN value of each row; -1 for a row of NaN only. */
    static int[] argmax(float[] logits, int rows, int vocab) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = -1;
            for (int i = 0; i < vocab; i++) {
                float v = logits[r * vocab + i];
                if (Float.isNaN(v)) continue;
                if (best < 0 || v > logits[r * vocab + best]) best = i;
            }
            out[r] = best;
        }
        return out;
    }
}
