package dev.headroom.plan.profile;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-head measurements from one layer's attention A and its gradient G = dL/dA, both [1, KV, G, T,
 * S] with S = T (a prefill from position 0). Formulas: MoA's influence of masking entry (i, j) and
 * renormalizing its row, |A_ij (G_ij - sum_k G_ik A_ik) / (1 - A_ij)|; the Retrieval Head paper's
 * copy-paste score; attention statistics.
 */
public final class HeadProfiler {
    private final int block;
    private final int sink;
    private final int localDistance;

    /**
     * @param block width b of the key-distance bins influence is summed into
     * @param sink initial tokens every pattern keeps; their influence is not counted
     * @param localDistance d for the "mass within distance d" statistic
     */
    public HeadProfiler(int block, int sink, int localDistance) {
        this.block = block;
        this.sink = sink;
        this.localDistance = localDistance;
    }

    /** Influence by key-distance bin, per query head: rows {@code influence_bin_K}. */
    public List<ProfileRow> influence(int layer, NDArray a, NDArray g) {
        NDArray rowDot = a.mul(g).sum(new int[] {-1}, true); // [1, KV, G, T, 1]
        NDArray infl =
                a.mul(g.sub(rowDot)).div(a.neg().add(1f).maximum(1e-6f)).abs(); // [1, KV, G, T, S]
        long[] s = infl.getShape().getShape();
        int kv = (int) s[1], grp = (int) s[2], t = (int) s[3], keys = (int) s[4];
        float[] v = infl.toFloatArray();
        int bins = (t + block - 1) / block;
        List<ProfileRow> rows = new ArrayList<>();
        for (int h = 0; h < kv; h++) {
            for (int q = 0; q < grp; q++) {
                double[] byBin = new double[bins];
                int base = (h * grp + q) * t * keys;
                for (int i = 0; i < t; i++) {
                    for (int j = sink; j <= i && j < keys; j++)
                        byBin[(i - j) / block] += v[base + i * keys + j];
                }
                for (int b = 0; b < bins; b++)
                    rows.add(
                            new ProfileRow(
                                    layer,
                                    h * grp + q,
                                    h,
                                    t,
                                    ProfileRow.INFLUENCE_PREFIX + b,
                                    byBin[b]));
            }
        }
        return rows;
    }

    /**
     * Sink mass, mass within the local distance, and entropy, averaged over queries: per query
     * head.
     */
    public List<ProfileRow> statistics(int layer, NDArray a) {
        long[] s = a.getShape().getShape();
        int kv = (int) s[1], grp = (int) s[2], t = (int) s[3], keys = (int) s[4];
        float[] v = a.toFloatArray();
        List<ProfileRow> rows = new ArrayList<>();
        for (int h = 0; h < kv; h++) {
            for (int q = 0; q < grp; q++) {
                double sinkMass = 0, local = 0, entropy = 0;
                int base = (h * grp + q) * t * keys;
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j <= i && j < keys; j++) {
                        double p = v[base + i * keys + j];
                        if (j < sink) sinkMass += p;
                        if (i - j < localDistance) local += p;
                        if (p > 0) entropy -= p * Math.log(p);
                    }
                }
                int head = h * grp + q;
                rows.add(new ProfileRow(layer, head, h, t, ProfileRow.SINK_MASS, sinkMass / t));
                rows.add(new ProfileRow(layer, head, h, t, ProfileRow.LOCAL_MASS, local / t));
                rows.add(new ProfileRow(layer, head, h, t, ProfileRow.ENTROPY, entropy / t));
            }
        }
        return rows;
    }

    /**
     * Retrieval score under teacher forcing: at each answer position p (whose next token ids[p + 1]
     * the model produces) where that token also occurs in the needle, a head scores when its top-1
     * key lies in the needle span and holds that very token. Score = hits / such positions.
     *
     * @param ids the whole sequence [T]
     * @param answerPositions positions p whose next token is an answer token
     * @param needleStart needle token span [needleStart, needleEnd)
     */
    public List<ProfileRow> retrieval(
            int layer,
            NDArray a,
            int[] ids,
            int[] answerPositions,
            int needleStart,
            int needleEnd) {
        long[] s = a.getShape().getShape();
        int kv = (int) s[1], grp = (int) s[2], t = (int) s[3], keys = (int) s[4];
        float[] v = a.toFloatArray();
        List<ProfileRow> rows = new ArrayList<>();
        for (int h = 0; h < kv; h++) {
            for (int q = 0; q < grp; q++) {
                int base = (h * grp + q) * t * keys, copies = 0, hits = 0;
                for (int p : answerPositions) {
                    int target = ids[p + 1];
                    if (!occurs(ids, needleStart, needleEnd, target)) continue;
                    copies++;
                    int top = 0;
                    for (int j = 1; j <= p; j++)
                        if (v[base + p * keys + j] > v[base + p * keys + top]) top = j;
                    if (top >= needleStart && top < needleEnd && ids[top] == target) hits++;
                }
                rows.add(
                        new ProfileRow(
                                layer,
                                h * grp + q,
                                h,
                                t,
                                ProfileRow.RETRIEVAL,
                                copies == 0 ? 0 : (double) hits / copies));
            }
        }
        return rows;
    }

    private static boolean occurs(int[] ids, int from, int to, int token) {
        for (int i = from; i < to; i++) if (ids[i] == token) return true;
        return false;
    }
}
