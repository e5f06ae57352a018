package dev.headroom.attention.runtime;

import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.TensorNames;
import dev.headroom.attention.policy.AttentionMask;

/**
 * The test oracle: the same forward pass written element by element in float64 over plain arrays, in the manner of
 * llama2.c's run.c. Slow and obvious on purpose; faster implementations are checked against it. One sequence,
 * dense causal attention (with the model's own sliding window, if any), no cache: logits for every position.
 */
public final class NaiveTransformer {
    private final ModelConfig c;
    private final RotaryTable rope;
    private final double[] embed;     // [V*D]
    private final double[][][] layer; // [L][tensor][...]
    private final double[] finalNorm; // [D]
    private final double[] lmHead;    // [V*D]
    private static final int ATTN_NORM = 0, WQ = 1, BQ = 2, WK = 3, BK = 4, WV = 5, BV = 6, WO = 7, BO = 8,
            MLP_NORM = 9, GATE = 10, UP = 11, DOWN = 12;

    public NaiveTransformer(Checkpoint ckpt, ModelConfig c) {
        this.c = c;
        this.rope = new RotaryTable(c);
        int d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim(), f = c.intermediateSize();
        embed = read(ckpt, TensorNames.EMBED, c.vocabSize(), d);
        layer = new double[c.numLayers()][13][];
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] t = layer[l];
            t[ATTN_NORM] = read(ckpt, p + TensorNames.ATTN_NORM, d);
            t[WQ] = read(ckpt, p + TensorNames.Q + ".weight", q, d);
            t[WK] = read(ckpt, p + TensorNames.K + ".weight", kv, d);
            t[WV] = read(ckpt, p + TensorNames.V + ".weight", kv, d);
            t[WO] = read(ckpt, p + TensorNames.O + ".weight", d, q);
            t[BQ] = c.qkvBias() ? read(ckpt, p + TensorNames.Q + ".bias", q) : new double[q];
            t[BK] = c.qkvBias() ? read(ckpt, p + TensorNames.K + ".bias", kv) : new double[kv];
            t[BV] = c.qkvBias() ? read(ckpt, p + TensorNames.V + ".bias", kv) : new double[kv];
            t[BO] = c.outputBias() ? read(ckpt, p + TensorNames.O + ".bias", d) : new double[d];
            t[MLP_NORM] = read(ckpt, p + TensorNames.MLP_NORM, d);
            t[GATE] = read(ckpt, p + TensorNames.GATE, f, d);
            t[UP] = read(ckpt, p + TensorNames.UP, f, d);
            t[DOWN] = read(ckpt, p + TensorNames.DOWN, d, f);
        }
        finalNorm = read(ckpt, TensorNames.FINAL_NORM, d);
        lmHead = c.tieWordEmbeddings() ? embed : read(ckpt, TensorNames.LM_HEAD, c.vocabSize(), d);
    }

    private static double[] read(Checkpoint ckpt, String name, long... shape) {
        float[] f = ckpt.read(name, shape);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /** @return logits [T][V] */
    public double[][] logits(int[] ids) {
        int n = ids.length, d = c.hiddenSize(), h = c.numHeads(), kvh = c.numKvHeads(), hd = c.headDim();
        int f = c.intermediateSize(), g = c.groupSize();
        double[][] x = new double[n][d];                          // residual stream [T][D]
        for (int t = 0; t < n; t++) System.arraycopy(embed, ids[t] * d, x[t], 0, d);
        for (int l = 0; l < c.numLayers(); l++) {
            double[][] w = layer[l];
            double[][] q = new double[n][], k = new double[n][], v = new double[n][]; // [T][H*hd], [T][KV*hd]
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], w[ATTN_NORM]);
                q[t] = matVec(w[WQ], w[BQ], xn, h * hd, d);
                k[t] = matVec(w[WK], w[BK], xn, kvh * hd, d);
                v[t] = matVec(w[WV], w[BV], xn, kvh * hd, d);
                rotate(q[t], t, h);
                rotate(k[t], t, kvh);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[h * hd];               // [H*hd]
                for (int head = 0; head < h; head++) {
                    int kvHead = head / g;
                    double[] score = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        if (!AttentionMask.allowed(t, s, 0, c.slidingWindow())) {
                            score[s] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][head * hd + i] * k[s][kvHead * hd + i];
                        score[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, score[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) sum += score[s] = Math.exp(score[s] - max);
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < hd; i++) att[head * hd + i] += score[s] / sum * v[s][kvHead * hd + i];
                    }
                }
                double[] o = matVec(w[WO], w[BO], att, d, h * hd);
                for (int i = 0; i < d; i++) x[t][i] += o[i];
            }
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], w[MLP_NORM]);
                double[] gate = matVec(w[GATE], null, xn, f, d), up = matVec(w[UP], null, xn, f, d);
                for (int i = 0; i < f; i++) gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                double[] down = matVec(w[DOWN], null, gate, d, f);
                for (int i = 0; i < d; i++) x[t][i] += down[i];
            }
        }
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) logits[t] = matVec(lmHead, null, rmsNorm(x[t], finalNorm), c.vocabSize(), d);
        return logits;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double xi : x) ss += xi * xi;
        double scale = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * weight[i];
        return out;
    }

    /** W [rows, cols] times x, plus bias when given. */
    private static double[] matVec(double[] w, double[] bias, double[] x, int rows, int cols) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int j = 0; j < cols; j++) s += w[r * cols + j] * x[j];
            out[r] = s;
        }
        return out;
    }

    /** Rotates each head's pairs (i, i + hd/2) by the position's angle. */
    private void rotate(double[] vec, int pos, int heads) {
        int hd = c.headDim(), half = hd / 2;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                int a = head * hd + i, b = a + half;
                double cos = rope.cos(pos, i), sin = rope.sin(pos, i);
                double x1 = vec[a], x2 = vec[b];
                vec[a] = x1 * cos - x2 * sin;
                vec[b] = x2 * cos + x1 * sin;
            }
        }
    }
}
