package dev.headroom.attention.policy;

import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.pattern.HeadPattern;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How one layer attends for one sequence: a {@link KvHeadAttention} per KV head. Backend-neutral:
 * each runtime builds its caches and kernels from it (heads with equal patterns and formats share
 * one cache and one kernel call).
 */
public record LayerAttention(List<KvHeadAttention> heads) {

    public LayerAttention {
        if (heads.isEmpty()) throw new IllegalArgumentException("a layer has at least one KV head");
        heads = List.copyOf(heads);
    }

    /** Every KV head the same. */
    public static LayerAttention uniform(int kvHeads, HeadPattern pattern, KvFormat format) {
        return new LayerAttention(
                Collections.nCopies(kvHeads, new KvHeadAttention(pattern, format)));
    }

    public KvHeadAttention head(int kvHead) {
        return heads.get(kvHead);
    }

    public int kvHeads() {
        return heads.size();
    }

    /** The same layer under the model's own sliding window (0 = none). */
    public LayerAttention limitedTo(int modelWindow) {
        if (modelWindow <= 0) return this;
        List<KvHeadAttention> out = new ArrayList<>();
        for (KvHeadAttention h : heads)
            out.add(new KvHeadAttention(h.pattern().limitedTo(modelWindow), h.format()));
        return new LayerAttention(out);
    }

    /**
     * The KV heads grouped by equal (pattern, format), each group's heads ascending, groups by
     * first head.
     */
    public List<int[]> groups() {
        List<int[]> groups = new ArrayList<>();
        boolean[] taken = new boolean[heads.size()];
        for (int h = 0; h < heads.size(); h++) {
            if (taken[h]) continue;
            List<Integer> members = new ArrayList<>();
            for (int o = h; o < heads.size(); o++) {
                if (!taken[o] && heads.get(o).equals(heads.get(h))) {
                    taken[o] = true;
                    members.add(o);
                }
            }
            groups.add(members.stream().mapToInt(Integer::intValue).toArray());
        }
        return groups;
    }
}
