package dev.headroom.attention.oracle;

import dev.headroom.attention.pattern.HeadPattern;

/**
 * Softmax attention in float64, element by element: the oracle the runtimes and the GPU kernels are
 * checked against. Written for clarity, not speed; keep sizes small. {@link NaiveTransformer}
 * attends with {@link #attend}; the GPU parity checks call {@link #prefill} and {@link #decode} on
 * their bf16 inputs.
 */
public final class ReferenceAttention {
    private ReferenceAttention() {}

    /**
     * One query over the keys of one head: sum_j softmax_j(q . k_j / sqrt(d)) v_j over the j with
     * {@code visible[j]}.
     *
     * @param keys [n][d], values [n][d]
     * @return [d]
     */
    public static double[] attend(
            double[] q, double[][] keys, double[][] values, boolean[] visible) {
        int n = keys.length, d = q.length;
        double scale = 1.0 / Math.sqrt(d);
        double[] score = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            if (!visible[j]) continue;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += q[c] * keys[j][c];
            score[j] = dot * scale;
            max = Math.max(max, score[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            if (!visible[j]) continue;
            score[j] = Math.exp(score[j] - max);
            sum += score[j];
        }
        double[] out = new double[d];
        for (int j = 0; j < n; j++) {
            if (!visible[j]) continue;
            for (int c = 0; c < d; c++) out[c] += score[j] / sum * values[j][c];
        }
        return out;
    }

    /**
     * Causal prefill of one layer under per-KV-head patterns. q [heads][length][d], k and v
     * [kvHeads][length][d] (row-major floats, e.g. bf16 values widened); returns
     * [heads][length][d].
     */
    public static double[] prefill(
            float[] q,
            float[] k,
            float[] v,
            int heads,
            int length,
            int headDim,
            HeadPattern[] patterns) {
        int kvHeads = patterns.length, group = heads / kvHeads, d = headDim;
        double[] out = new double[heads * length * d];
        for (int kvh = 0; kvh < kvHeads; kvh++) {
            double[][] keys = rows(k, kvh * length, length, d),
                    values = rows(v, kvh * length, length, d);
            for (int g = 0; g < group; g++) {
                int head = kvh * group + g;
                double[][] queries = rows(q, head * length, length, d);
                for (int i = 0; i < length; i++) {
                    boolean[] visible = new boolean[length];
                    for (int j = 0; j < length; j++) visible[j] = patterns[kvh].visible(i, j);
                    System.arraycopy(
                            attend(queries[i], keys, values, visible),
                            0,
                            out,
                            (head * length + i) * d,
                            d);
                }
            }
        }
        return out;
    }

    /**
     * One decode step over explicit per-KV-head key sets (every key visible). q [heads][d];
     * keys[kvh] and values[kvh] [n_kvh][d]. Returns [heads][d].
     */
    public static double[] decode(
            float[] q, float[][] keys, float[][] values, int heads, int headDim) {
        int kvHeads = keys.length, group = heads / kvHeads, d = headDim;
        double[] out = new double[heads * d];
        for (int head = 0; head < heads; head++) {
            int n = keys[head / group].length / d;
            double[][] kh = rows(keys[head / group], 0, n, d),
                    vh = rows(values[head / group], 0, n, d);
            boolean[] all = new boolean[n];
            java.util.Arrays.fill(all, true);
            System.arraycopy(attend(rows(q, head, 1, d)[0], kh, vh, all), 0, out, head * d, d);
        }
        return out;
    }

    /**
     * Causal linear attention on feature-mapped q and k: o_i = sum_{j<=i} (q_i . k_j) v_j, divided
     * by sum_{j<=i} q_i . k_j when normalize. q [heads][length][d], k and v [kvHeads][length][d];
     * returns [heads][length][d].
     */
    public static double[] linear(
            float[] q,
            float[] k,
            float[] v,
            int heads,
            int kvHeads,
            int length,
            int headDim,
            boolean normalize) {
        int d = headDim, group = heads / kvHeads;
        double[] out = new double[heads * length * d];
        for (int head = 0; head < heads; head++) {
            int kvh = head / group;
            double[][] state = new double[d][d];
            double[] z = new double[d];
            for (int i = 0; i < length; i++) {
                int kBase = (kvh * length + i) * d, qBase = (head * length + i) * d;
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
     * ||out - ref|| / ||ref||; NaN or infinity anywhere in out gives NaN, which fails any bound.
     */
    public static double relativeL2(double[] out, double[] ref) {
        if (out.length != ref.length)
            throw new IllegalArgumentException(
                    "lengths differ: " + out.length + " vs " + ref.length);
        double err = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Double.isFinite(out[i])) return Double.NaN;
            err += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(err / norm);
    }

    /** Rows [first, first + n) of a row-major [*][d] float array, widened. */
    private static double[][] rows(float[] a, int first, int n, int d) {
        double[][] r = new double[n][d];
        for (int i = 0; i < n; i++) for (int c = 0; c < d; c++) r[i][c] = a[(first + i) * d + c];
        return r;
    }
}
