package dev.headroom.plan.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.plan.profile.ProfileRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On a synthetic profile where one KV head needs distant keys, the search gives that head the long
 * span.
 */
class SpanSearchTest {

    @Test
    void longRangeHeadKeepsItsSpanUnderBudget() {
        int block = 64, layers = 2, kv = 2;
        int[] lengths = {512, 1024};
        List<ProfileRow> rows = new ArrayList<>();
        for (int n : lengths) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kv; h++) {
                    boolean retrieval = l == 1 && h == 0;
                    for (int b = 0; b < n / block; b++) {
                        // local heads: influence only near the diagonal; the retrieval head: spread
                        // over all distances
                        double v = retrieval ? 1.0 : (b == 0 ? 5.0 : 1e-4);
                        rows.add(new ProfileRow(l, h, h, n, ProfileRow.INFLUENCE_PREFIX + b, v));
                    }
                }
            }
        }
        InfluenceTable table = new InfluenceTable(block, rows);
        assertEquals(0.0, table.droppedInfluence(1, 0, 512, 0), 0.0);
        assertEquals(4.0, table.droppedInfluence(1, 0, 512, 256), 1e-12); // bins 4..7 dropped
        assertEquals(3.5, table.droppedInfluence(1, 0, 512, 288), 1e-12); // half of bin 4 kept

        List<SpanCandidate> grid = SpanSearch.moaGrid(64, 256, 4);
        SpanSearch search =
                new SpanSearch(layers, kv, 16, lengths, new int[] {1024, 2048}, grid, table);
        List<SpanSearch.Candidate> front =
                search.paretoFront(0.45, grid.size(), new CpSatSpanSearch(5, 1));
        assertFalse(front.isEmpty());
        SpanSearch.Candidate best = front.get(0);
        HeadSpan retrievalHead = best.heads().get(1 * kv + 0);
        // it may be elastic rather than "full", but it sees every key at the profiled lengths
        for (int n : lengths) {
            int w = retrievalHead.window(n);
            assertTrue(
                    w == 0 || w >= n,
                    "the long-range head keeps every key at " + n + ": " + retrievalHead);
        }
        for (double d : best.density()) assertTrue(d <= 0.45 + 1e-9, "density within budget: " + d);
        for (HeadSpan h : best.heads()) {
            if (h != retrievalHead) {
                assertTrue(
                        !h.isFull() && h.window(2048) < retrievalHead.window(2048)
                                || retrievalHead.window(2048) == 0,
                        "local heads get shorter spans: " + h);
                assertTrue(h.window(1024) < 1024, "local heads drop distant keys: " + h);
            }
        }
    }

    @Test
    void retrievalWeightAddsExpectedNeedleLoss() {
        List<ProfileRow> rows = new ArrayList<>();
        for (int b = 0; b < 8; b++)
            rows.add(
                    new ProfileRow(
                            0, 0, 0, 512, ProfileRow.INFLUENCE_PREFIX + b, b == 0 ? 1.0 : 0.0));
        rows.add(new ProfileRow(0, 0, 0, 512, ProfileRow.RETRIEVAL, 0.2));
        rows.add(
                new ProfileRow(
                        0,
                        1,
                        0,
                        512,
                        ProfileRow.RETRIEVAL,
                        0.6)); // the KV head scores as its best query head
        InfluenceTable moaOnly = new InfluenceTable(64, rows),
                withRetrieval = new InfluenceTable(64, rows, 6.0);
        assertEquals(0.0, moaOnly.droppedInfluence(0, 0, 512, 128), 1e-12);
        assertEquals(
                6.0 * 0.6 * (1 - 128.0 / 512),
                withRetrieval.droppedInfluence(0, 0, 512, 128),
                1e-12);
        assertEquals(
                0.0,
                withRetrieval.droppedInfluence(0, 0, 512, 0),
                0.0,
                "full attention drops nothing");
    }
}
