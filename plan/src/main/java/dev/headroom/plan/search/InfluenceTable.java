package dev.headroom.plan.search;

import dev.headroom.plan.profile.ProfileRow;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Profiled influence per (layer, KV head, length) by key-distance bin, summed over the KV head's query heads, and
 * the predicted loss increase of a window: the influence of every key farther than the window (sink excluded).
 */
public final class InfluenceTable {
    private final int block;
    private final Map<String, double[]> bins = new HashMap<>();

    public InfluenceTable(int block, List<ProfileRow> rows) {
        this.block = block;
        for (ProfileRow r : rows) {
            if (!r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX)) continue;
            int bin = Integer.parseInt(r.metric().substring(ProfileRow.INFLUENCE_PREFIX.length()));
            String key = r.layer() + "/" + r.kvHead() + "/" + r.length();
            // a sample runs a few answer tokens past its nominal length, so bins may reach past length / block
            double[] b = bins.computeIfAbsent(key, k -> new double[(r.length() + block - 1) / block + 1]);
            if (bin >= b.length) bins.put(key, b = java.util.Arrays.copyOf(b, bin + 1));
            b[bin] += r.value();
        }
    }

    public boolean has(int layer, int kvHead, int length) {
        return bins.containsKey(layer + "/" + kvHead + "/" + length);
    }

    /** Predicted loss increase of keeping only keys within {@code window} (0 = all); partial bins pro rata. */
    public double droppedInfluence(int layer, int kvHead, int length, int window) {
        double[] b = bins.get(layer + "/" + kvHead + "/" + length);
        if (b == null) throw new IllegalArgumentException("no influence profiled for layer " + layer + ", KV head " + kvHead + ", length " + length);
        if (window <= 0) return 0;
        int full = window / block;
        double sum = 0;
        for (int k = full + 1; k < b.length; k++) sum += b[k];
        if (full < b.length) sum += b[full] * (1.0 - (double) (window % block) / block);
        return sum;
    }
}
