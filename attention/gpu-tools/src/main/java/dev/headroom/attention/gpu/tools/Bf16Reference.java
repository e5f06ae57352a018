package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.model.TensorNames;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.LayerContext;
import dev.headroom.quantize.Bf16;
import java.nio.file.Path;

/**
 * What the CUDA runtime's bf16 path should compute: the forward pass in float64 with bf16 rounding
 * exactly where {@code CudaForward} rounds (every weight; the RMSNorm outputs; the attention output
 * before o_proj; the gate and up projections; the SwiGLU output), and nowhere else. The bf16 path
 * is then checked against this to a bound far under the rounding error itself, so the check sees
 * the kernels, not bf16. Every position at once, each KV head under its pattern ({@link
 * HeadPattern#visible}), as the oracle. Slow and small-model only.
 */
final class Bf16Reference {
    private final ModelConfig c;
    private final double[] embed, finalNorm, lmHead;
    private final double[][][] layer; // [L][tensor][...]
    private static final int ATTN_NORM = 0, WQ = 1, WK = 2, WV = 3, BQ = 4, BK = 5, BV = 6;
    private static final int WO = 7, BO = 8, MLP_NORM = 9, GATE = 10, UP = 11, DOWN = 12;
    private final RotaryTable rope;

    Bf16Reference(Path dir) {
        ModelConfig config = ConfigReader.read(dir);
        this.c = config;
        this.rope = new RotaryTable(config);
        int d = c.hiddenSize(),
                q = c.numHeads() * c.headDim(),
                kv = c.numKvHeads() * c.headDim(),
                f = c.intermediateSize();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            embed = bf16(ckpt.read(TensorNames.EMBED, c.vocabSize(), d));
            layer = new double[c.numLayers()][13][];
            for (int l = 0; l < c.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                double[][] t = layer[l];
                t[ATTN_NORM] = bf16(ckpt.read(p + TensorNames.ATTN_NORM, d));
                t[WQ] = bf16(ckpt.read(p + TensorNames.Q + ".weight", q, d));
                t[WK] = bf16(ckpt.read(p + TensorNames.K + ".weight", kv, d));
                t[WV] = bf16(ckpt.read(p + TensorNames.V + ".weight", kv, d));
                t[BQ] = c.qkvBias() ? exact(ckpt.read(p + TensorNames.Q + ".bias", q)) : null;
                t[BK] = c.qkvBias() ? exact(ckpt.read(p + TensorNames.K + ".bias", kv)) : null;
                t[BV] = c.qkvBias() ? exact(ckpt.read(p + TensorNames.V + ".bias", kv)) : null;
                t[WO] = bf16(ckpt.read(p + TensorNames.O + ".weight", d, q));
                t[BO] = c.outputBias() ? exact(ckpt.read(p + TensorNames.O + ".bias", d)) : null;
                t[MLP_NORM] = bf16(ckpt.read(p + TensorNames.MLP_NORM, d));
                t[GATE] = bf16(ckpt.read(p + TensorNames.GATE, f, d));
                t[UP] = bf16(ckpt.read(p + TensorNames.UP, f, d));
                t[DOWN] = bf16(ckpt.read(p + TensorNames.DOWN, d, f));
            }
            finalNorm = bf16(ckpt.read(TensorNames.FINAL_NORM, d));
            lmHead =
                    c.tieWordEmbeddings()
                            ? embed
                            : bf16(ckpt.read(TensorNames.LM_HEAD, c.vocabSize(), d));
        }
    }

    /** Logits [T][V] of every position of ids under policy, from position 0. */
    double[][] logits(int[] ids, AttentionPolicy policy) {
        int t = ids.length, d = c.hiddenSize(), h = c.numHeads(), kvh = c.numKvHeads();
        int hd = c.headDim(), f = c.intermediateSize(), g = c.groupSize();
        double[][] x = new double[t][d]; // residual stream [T][D]
        for (int i = 0; i < t; i++) System.arraycopy(embed, ids[i] * d, x[i], 0, d);
        for (int l = 0; l < c.numLayers(); l++) {
            double[][] w = layer[l];
            var la =
                    policy.forLayer(new LayerContext(c, l, t, ArtifactResolver.NONE))
                            .limitedTo(c.slidingWindow());
            double[][] q = new double[t][], k = new double[t][], v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] xn = round(rmsNorm(x[i], w[ATTN_NORM]));
                q[i] = matVec(w[WQ], w[BQ], xn, h * hd, d);
                k[i] = matVec(w[WK], w[BK], xn, kvh * hd, d);
                v[i] = matVec(w[WV], w[BV], xn, kvh * hd, d);
                rotate(q[i], i, h);
                rotate(k[i], i, kvh);
            }
            for (int i = 0; i < t; i++) {
                double[] att = new double[h * hd];
                for (int head = 0; head < h; head++) {
                    int kvHead = head / g;
                    HeadPattern p = la.head(kvHead).pattern();
                    double scale = 1.0 / Math.sqrt(hd), max = Double.NEGATIVE_INFINITY;
                    double[] s = new double[i + 1];
                    for (int j = 0; j <= i; j++) {
                        if (!p.visible(i, j)) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int e = 0; e < hd; e++)
                            dot += q[i][head * hd + e] * k[j][kvHead * hd + e];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= i; j++)
                        for (int e = 0; e < hd; e++)
                            att[head * hd + e] += s[j] / sum * v[j][kvHead * hd + e];
                }
                double[] o = matVec(w[WO], w[BO], round(att), d, h * hd);
                for (int e = 0; e < d; e++) x[i][e] += o[e];
                double[] xm = round(rmsNorm(x[i], w[MLP_NORM]));
                double[] gate = round(matVec(w[GATE], null, xm, f, d)),
                        up = round(matVec(w[UP], null, xm, f, d));
                for (int e = 0; e < f; e++) gate[e] = gate[e] / (1 + Math.exp(-gate[e])) * up[e];
                double[] down = matVec(w[DOWN], null, round(gate), d, f);
                for (int e = 0; e < d; e++) x[i][e] += down[e];
            }
        }
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++)
            out[i] = matVec(lmHead, null, round(rmsNorm(x[i], finalNorm)), c.vocabSize(), d);
        return out;
    }

    /** Greedy continuation of prompt, recomputing every position at each step (dense). */
    int[] greedy(int[] prompt, int count, AttentionPolicy policy) {
        int[] ids = java.util.Arrays.copyOf(prompt, prompt.length + count);
        for (int n = prompt.length; n < ids.length; n++) {
            double[][] lg = logits(java.util.Arrays.copyOf(ids, n), policy);
            ids[n] = RuntimeParityCheck.argmax(lg[n - 1]);
        }
        return java.util.Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double xi : x) ss += xi * xi;
        double scale = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * weight[i];
        return out;
    }

    private static double[] matVec(double[] w, double[] bias, double[] x, int rows, int cols) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int j = 0; j < cols; j++) s += w[r * cols + j] * x[j];
            out[r] = s;
        }
        return out;
    }

    private void rotate(double[] vec, int pos, int heads) {
        int hd = c.headDim(), half = hd / 2;
        for (int head = 0; head < heads; head++)
            for (int i = 0; i < half; i++) {
                int a = head * hd + i, b = a + half;
                double cos = rope.cos(pos, i), sin = rope.sin(pos, i), x1 = vec[a], x2 = vec[b];
                vec[a] = x1 * cos - x2 * sin;
                vec[b] = x2 * cos + x1 * sin;
            }
    }

    /** Each value rounded to fp32, then to bf16 (nearest even), as the kernels store it. */
    static double[] round(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Bf16.toFloat(Bf16.fromFloat((float) a[i]));
        return out;
    }

    private static double[] bf16(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Bf16.toFloat(Bf16.fromFloat(a[i]));
        return out;
    }

    private static double[] exact(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
