package dev.headroom.plan.search;

import dev.headroom.plan.profile.ProfileRow;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Profiled influence per (layer, KV head, length) by key-distance bin, summed over the KV head's
 * query heads, and the predicted loss increase of a window: the influence of every key farther than
 * the window (sink excluded).
 *
 * <p>MoA's influence is first order: for a head that puts nearly all its attention on one far token
 * (a retrieval head copying a needle) it underestimates what masking that token costs. With a
 * retrieval weight lambda > 0 the prediction adds lambda r (1 - kept / N): r, the KV head's
 * retrieval score (the best of its query heads), is how often its top-1 key is the needle token
 * being copied; 1 - kept / N the chance that a needle at a uniform depth falls outside the pattern;
 * lambda the loss when it does (about ln V for a lost answer token).
 */
public final class InfluenceTable {
    private final int block;
    private final double retrievalWeight;
    private final Map<String, double[]> bins = new HashMap<>();
    private final Map<String, Double> retrieval =
            new HashMap<>(); // layer/kvHead -> max over query heads

    public InfluenceTable(int block, List<ProfileRow> rows) {
        this(block, rows, 0.0);
    }

    public InfluenceTable(int block, List<ProfileRow> rows, double retrievalWeight) {
        this.block = block;
        this.retrievalWeight = retrievalWeight;
        Map<String, double[]> perQueryHead = new HashMap<>(); // layer/kv/head -> sum, count
        for (ProfileRow r : rows) {
            if (!r.metric().equals(ProfileRow.RETRIEVAL)) continue;
            double[] acc =
                    perQueryHead.computeIfAbsent(
                            r.layer() + "/" + r.kvHead() + "/" + r.head(), k -> new double[2]);
            acc[0] += r.value();
            acc[1]++;
        }
        perQueryHead.forEach(
                (k, acc) -> {
                    String kv = k.substring(0, k.lastIndexOf('/'));
                    retrieval.merge(kv, acc[0] / acc[1], Math::max);
                });
        for (ProfileRow r : rows) {
            if (!r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX)) continue;
            int bin = Integer.parseInt(r.metric().substring(ProfileRow.INFLUENCE_PREFIX.length()));
            String key = r.layer() + "/" + r.kvHead() + "/" + r.length();
            // a sample runs a few answer tokens past its nominal length, so bins may reach past
            // length / block
            double[] b =
                    bins.computeIfAbsent(
                            key, k -> new double[(r.length() + block - 1) / block + 1]);
            if (bin >= b.length) bins.put(key, b = java.util.Arrays.copyOf(b, bin + 1));
            b[bin] += r.value();
        }
    }

    public boolean has(int layer, int kvHead, int length) {
        return bins.containsKey(layer + "/" + kvHead + "/" + length);
    }

    /**
     * Predicted loss increase of keeping only keys within {@code window} (0 = all); partial bins
     * pro rata.
     */
    public double droppedInfluence(int layer, int kvHead, int length, int window) {
        double[] b = bins.get(layer + "/" + kvHead + "/" + length);
        if (b == null)
            throw new IllegalArgumentException(
                    "no influence profiled for layer "
                            + layer
                            + ", KV head "
                            + kvHead
                            + ", length "
                            + length);
        if (window <= 0 || window >= length) return 0;
        int full = window / block;
        double sum = 0;
        for (int k = full + 1; k < b.length; k++) sum += b[k];
        if (full < b.length) sum += b[full] * (1.0 - (double) (window % block) / block);
        if (retrievalWeight > 0) {
            double r = retrieval.getOrDefault(layer + "/" + kvHead, 0.0);
            sum += retrievalWeight * r * (1.0 - (double) window / length);
        }
        return sum;
    }
}
