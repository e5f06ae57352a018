package dev.headroom.attention.linear;

import java.io.Serializable;

/**
 * One linearized KV head's learned weights (Zhang et al. 2024, Hedgehog; LoLCATs' hybrid): the
 * feature map phi(x) = [softmax(x W), softmax(-x W)] (softmax over the f columns of W, so phi has
 * 2f features), a query map per query head of the group and one key map for the KV head, and a
 * per-query-head weight gamma of the exact sliding-window part. The key map is per KV head so that
 * the recurrent state, sum phi(k) v^T, is one [2f][headDim] matrix per KV head, as the GPU kernel
 * keeps it for GQA.
 *
 * @param sink first tokens the exact part always sees
 * @param window recent tokens the exact part sees, the current one included; every earlier key
 *     after the sink goes to the linear part
 * @param queryMaps [G][headDim][f] per query head of the group
 * @param keyMap [headDim][f]
 * @param gamma [G] weight of the window's exp scores against the linear scores
 */
public record HedgehogMaps(
        int sink, int window, float[][][] queryMaps, float[][] keyMap, float[] gamma)
        implements Serializable {

    public HedgehogMaps {
        if (window < 1) throw new IllegalArgumentException("window must be >= 1, got " + window);
        if (queryMaps.length != gamma.length || queryMaps.length == 0)
            throw new IllegalArgumentException("one query map and one gamma per query head");
    }

    /**
     * Maps before training: W = the identity on the first headDim columns (zeros after), gamma 1.
     */
    public static HedgehogMaps initial(int sink, int window, int group, int headDim, int f) {
        float[][][] q = new float[group][][];
        for (int g = 0; g < group; g++) q[g] = identity(headDim, f);
        float[] gamma = new float[group];
        java.util.Arrays.fill(gamma, 1f);
        return new HedgehogMaps(sink, window, q, identity(headDim, f), gamma);
    }

    private static float[][] identity(int rows, int cols) {
        float[][] w = new float[rows][cols];
        for (int i = 0; i < Math.min(rows, cols); i++) w[i][i] = 1f;
        return w;
    }

    public int group() {
        return gamma.length;
    }

    public int headDim() {
        return keyMap.length;
    }

    /** f, the columns of W. */
    public int columns() {
        return keyMap[0].length;
    }

    /** Features of phi: 2f. */
    public int featureSize() {
        return 2 * columns();
    }

    /** phi(x) = [softmax(x W), softmax(-x W)], in float64. */
    public static double[] features(double[] x, float[][] w) {
        int f = w[0].length;
        double[] proj = new double[f];
        for (int d = 0; d < x.length; d++) for (int j = 0; j < f; j++) proj[j] += x[d] * w[d][j];
        double[] out = new double[2 * f];
        double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
        for (double p : proj) {
            max = Math.max(max, p);
            min = Math.min(min, p);
        }
        double sumPos = 0, sumNeg = 0;
        for (int j = 0; j < f; j++) {
            out[j] = Math.exp(proj[j] - max);
            out[f + j] = Math.exp(min - proj[j]);
            sumPos += out[j];
            sumNeg += out[f + j];
        }
        for (int j = 0; j < f; j++) {
            out[j] /= sumPos;
            out[f + j] /= sumNeg;
        }
        return out;
    }
}
