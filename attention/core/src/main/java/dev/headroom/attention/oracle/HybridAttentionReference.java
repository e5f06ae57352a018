package dev.headroom.attention.oracle;

import dev.headroom.attention.pattern.HeadPattern;

/**
 * LoLCATs' hybrid attention of one query, in float64: exact softmax over the keys its sink + window
 * pattern shows, linear attention over every earlier key after the sink, one normalization:
 *
 * <pre>
 * y = (sum_win gamma exp(q.k / sqrt(d) - m) v + sum_lin phi(q).phi(k) v)
 *     / (sum_win gamma exp(q.k / sqrt(d) - m) + sum_lin phi(q).phi(k))
 * </pre>
 *
 * with m the largest window score of the query. The definition every form is checked against: the
 * oracle's forward pass, the CPU runtime's chunked and recurrent kernel, and (through {@link
 * Parts#linearNumerator} and {@link Parts#linearDenominator}, which are what {@link
 * ReferenceAttention#linear} accumulates over the linear keys) the GPU's linear_attention.cu.
 */
public final class HybridAttentionReference {
    private HybridAttentionReference() {}

    /**
     * The two parts of a query's sums, before they are combined.
     *
     * @param windowNumerator sum_win gamma exp(s - m) v
     * @param windowDenominator sum_win gamma exp(s - m)
     * @param linearNumerator sum_lin phi(q).phi(k) v
     * @param linearDenominator sum_lin phi(q).phi(k)
     */
    public record Parts(
            double[] windowNumerator,
            double windowDenominator,
            double[] linearNumerator,
            double linearDenominator) {

        /** y = (both numerators) / (both denominators). */
        public double[] output() {
            double den = windowDenominator + linearDenominator;
            double[] y = new double[windowNumerator.length];
            for (int c = 0; c < y.length; c++)
                y[c] = (windowNumerator[c] + linearNumerator[c]) / den;
            return y;
        }
    }

    /**
     * The parts of the query at position {@code query}.
     *
     * @param q the query [hd]
     * @param keys keys of positions 0 .. query (at least), [pos][hd]; values likewise
     * @param phiQ phi(q) [F]
     * @param phiK phi(k) of positions 0 .. query, [pos][F]
     */
    public static Parts parts(
            double[] q,
            double[][] keys,
            double[][] values,
            double[] phiQ,
            double[][] phiK,
            double gamma,
            HeadPattern pattern,
            int query) {
        int hd = q.length;
        double scale = 1.0 / Math.sqrt(hd);
        double[] scores = new double[query + 1];
        double m = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= query; s++) {
            if (!pattern.visible(query, s)) continue;
            double dot = 0;
            for (int d = 0; d < hd; d++) dot += q[d] * keys[s][d];
            scores[s] = dot * scale;
            m = Math.max(m, scores[s]);
        }
        double[] winNum = new double[values[0].length], linNum = new double[values[0].length];
        double winDen = 0, linDen = 0;
        for (int s = 0; s <= query; s++) {
            if (pattern.visible(query, s)) {
                double w = gamma * Math.exp(scores[s] - m);
                winDen += w;
                for (int c = 0; c < winNum.length; c++) winNum[c] += w * values[s][c];
            } else if (s >= pattern.sink()) {
                double w = 0;
                for (int j = 0; j < phiQ.length; j++) w += phiQ[j] * phiK[s][j];
                linDen += w;
                for (int c = 0; c < linNum.length; c++) linNum[c] += w * values[s][c];
            }
        }
        return new Parts(winNum, winDen, linNum, linDen);
    }

    /** The hybrid output of the query at position {@code query} (see {@link #parts}). */
    public static double[] attend(
            double[] q,
            double[][] keys,
            double[][] values,
            double[] phiQ,
            double[][] phiK,
            double gamma,
            HeadPattern pattern,
            int query) {
        return parts(q, keys, values, phiQ, phiK, gamma, pattern, query).output();
    }
}
