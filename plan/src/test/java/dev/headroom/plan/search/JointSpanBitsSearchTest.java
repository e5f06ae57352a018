package dev.headroom.plan.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.plan.profile.ProfileRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The joint (span, bits) search: CP-SAT against brute force, and its byte costs. */
class JointSpanBitsSearchTest {
    private static final int BLOCK = 16, SINK = 4, HD = 32;

    private static JointSpanBitsSearch search(Random r, int layers, int kv, int[] widths) {
        int[] lengths = {256, 512};
        List<ProfileRow> rows = new ArrayList<>();
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < kv; h++)
                for (int n : lengths)
                    for (int b = 0; b < n / BLOCK; b++)
                        rows.add(
                                new ProfileRow(
                                        l,
                                        h,
                                        h,
                                        n,
                                        ProfileRow.INFLUENCE_PREFIX + b,
                                        r.nextDouble() * Math.exp(-b * r.nextDouble())));
        double[][] sens = new double[layers * kv][widths.length];
        for (double[] s : sens)
            for (int w = 0; w < widths.length; w++)
                s[w] = widths[w] == 16 ? 0 : r.nextDouble() * 2 / widths[w];
        List<SpanCandidate> grid =
                List.of(
                        new SpanCandidate(32, 0),
                        new SpanCandidate(64, 0.25),
                        new SpanCandidate(0, 1.0));
        return new JointSpanBitsSearch(
                layers,
                kv,
                HD,
                SINK,
                lengths,
                new int[] {1024},
                grid,
                new InfluenceTable(BLOCK, rows),
                widths,
                sens,
                new KvQuantization(32, 32, 0, List.of()));
    }

    @Test
    void cpSatEqualsBruteForceOnSmallRandomInstances() {
        int[] widths = {16, 4, 2};
        CpSatSpanSearch solver = new CpSatSpanSearch(10, 1);
        for (int trial = 0; trial < 12; trial++) {
            Random r = new Random(trial);
            JointSpanBitsSearch s = search(r, 2, 2, widths);
            long dense = s.denseBytes(1024);
            long cap = (long) (dense * (0.05 + 0.3 * r.nextDouble()));
            boolean[] all = {true, true, true};
            SpanSearchProblem p = s.problem(new long[] {cap}, 9, new boolean[4], all);
            SpanSolution brute = BruteForceSpanSearch.solve(p), cp = solver.solve(p);
            assertEquals(brute.feasible(), cp.feasible(), "trial " + trial);
            if (!brute.feasible()) continue;
            assertEquals(brute.objective(), cp.objective(), "trial " + trial);
            assertTrue(p.feasible(cp.choice()));
            // the plan's bytes are within the cap, counted as the cache counts them
            JointSpanBitsSearch.Candidate c = s.toCandidate(cp);
            assertTrue(c.bytes()[0] <= cap);
            long counted = 0;
            for (int h = 0; h < 4; h++) {
                HeadSpan span = c.heads().get(h);
                counted +=
                        dev.headroom.attention.policy.KvFormats.of(
                                        c.quantization(), c.quantization().bits().get(h))
                                .bytes(HeadPattern.of(span, 1024), 1024, HD);
            }
            assertEquals(counted, c.bytes()[0]);
        }
    }

    @Test
    void spansOnlyKeepsEveryHeadInBf16AndPinnedHeadsFull() {
        Random r = new Random(9);
        JointSpanBitsSearch s = search(r, 2, 2, new int[] {16, 4, 2});
        long cap = s.denseBytes(1024) / 2;
        boolean[] pinned = {true, false, false, false};
        List<JointSpanBitsSearch.Candidate> front =
                s.paretoFront(
                        new long[] {cap},
                        9,
                        new CpSatSpanSearch(10, 1),
                        pinned,
                        new boolean[] {true, false, false});
        assertTrue(!front.isEmpty());
        for (JointSpanBitsSearch.Candidate c : front) {
            assertEquals(List.of(16, 16, 16, 16), c.quantization().bits());
            assertTrue(c.heads().get(0).isFull(), "pinned head 0 stays full");
        }
    }

    @Test
    void bytesAreTheFormatsCount() {
        JointSpanBitsSearch s = search(new Random(1), 1, 1, new int[] {16, 2});
        SpanCandidate window = new SpanCandidate(64, 0.25); // 64 + 256 = 320 at 1024
        // bf16: sink 4 + window 320 tokens, 2 (k, v) x 32 x 2 bytes
        assertEquals(324L * 2 * HD * 2, s.bytes(window, 16, 1024));
        assertEquals(
                new KiviFormat(2, 32, 32, 0).bytes(HeadPattern.sinkWindow(SINK, 320), 1024, HD),
                s.bytes(window, 2, 1024));
        // one head, keys and values, 1024 tokens of 32 bf16 elements
        assertEquals(2L * 1024 * HD * 2, s.denseBytes(1024));
    }
}
