package dev.headroom.plan.search;

import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * DuoAttention's split: the KV heads with the highest retrieval scores keep the full cache, the
 * rest become streaming heads (sink + recent window). The fraction of retrieval heads is a
 * quantile, or is set by the same density budget the span search uses so the two methods compare at
 * equal cost.
 */
public final class DuoSplit {
    private DuoSplit() {}

    /**
     * The most retrieval heads (of {@code totalHeads}) whose mean density at length n stays within
     * the budget.
     */
    public static int retrievalHeadsForBudget(
            double budget, int n, int sink, int window, int totalHeads) {
        double streaming = SpanDensity.density(n, sink, window);
        for (int r = totalHeads; r >= 0; r--) {
            double mean = (r + (totalHeads - r) * streaming) / totalHeads;
            if (mean <= budget + 1e-12) return r;
        }
        return -1; // even all-streaming exceeds the budget
    }

    /**
     * @param scores [layer][kvHead] retrieval score (e.g. the max over the KV head's query heads)
     * @param retrievalHeads how many heads keep the full cache
     */
    public static List<HeadSpan> split(
            double[][] scores, int retrievalHeads, int sink, int window) {
        int kv = scores[0].length, total = scores.length * kv;
        List<Integer> order =
                IntStream.range(0, total)
                        .boxed()
                        .sorted(
                                Comparator.<Integer>comparingDouble(h -> -scores[h / kv][h % kv])
                                        .thenComparingInt(h -> h))
                        .toList();
        boolean[] retrieval = new boolean[total];
        for (int i = 0; i < retrievalHeads; i++) retrieval[order.get(i)] = true;
        List<HeadSpan> heads = new ArrayList<>();
        for (int h = 0; h < total; h++) {
            heads.add(
                    retrieval[h]
                            ? new HeadSpan(h / kv, h % kv, "retrieval", sink, 0, 1.0)
                            : new HeadSpan(h / kv, h % kv, "streaming", sink, window, 0));
        }
        return heads;
    }
}
