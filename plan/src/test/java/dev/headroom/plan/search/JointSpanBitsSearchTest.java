package dev.headroom.plan.search;

import static dev.headroom.attention.plan.KvScheme.BF16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.attention.policy.KvFormats;
import dev.headroom.plan.profile.ProfileRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The joint (span, bits) search: CP-SAT against brute force, and its byte costs. */
class JointSpanBitsSearchTest {
    private static final int BLOCK = 16, SINK = 4, HD = 32;

    /** bf16, uniform widths, split key/value widths, other groups and residuals. */
    private static final List<KvScheme> SCHEMES =
            List.of(
                    KvScheme.BF16,
                    KvScheme.kivi(4, 32, 32),
                    KvScheme.kivi(2, 32, 32),
                    new KvScheme(4, 2, 64, 0),
                    new KvScheme(2, 2, 128, 128));

    private static JointSpanBitsSearch search(
            Random r, int layers, int kv, List<KvScheme> schemes) {
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
        double[][] sens = new double[layers * kv][schemes.size()];
        for (double[] s : sens)
            for (int w = 0; w < schemes.size(); w++)
                s[w] =
                        schemes.get(w).isFullPrecision()
                                ? 0
                                : r.nextDouble() * 2 / schemes.get(w).meanBits();
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
                schemes,
                sens,
                new KvQuantization(0, KeyBasis.POST_ROPE, List.of()));
    }

    @Test
    void cpSatEqualsBruteForceOnSmallRandomInstances() {
        CpSatSpanSearch solver = new CpSatSpanSearch(10, 1);
        int splitChosen = 0;
        for (int trial = 0; trial < 12; trial++) {
            Random r = new Random(trial);
            JointSpanBitsSearch s = search(r, 2, 2, SCHEMES);
            long dense = s.denseBytes(1024);
            long cap = (long) (dense * (0.05 + 0.3 * r.nextDouble()));
            boolean[] all = {true, true, true, true, true};
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
                KvScheme scheme = c.quantization().schemes().get(h);
                if (!scheme.isUniform() || scheme.group() != 32) splitChosen++;
                counted +=
                        KvFormats.of(c.quantization(), scheme)
                                .bytes(HeadPattern.of(span, 1024), 1024, HD);
            }
            assertEquals(counted, c.bytes()[0]);
        }
        assertTrue(splitChosen > 0, "the optimum uses the extended schemes somewhere");
    }

    @Test
    void spansOnlyKeepsEveryHeadInBf16AndPinnedHeadsFull() {
        Random r = new Random(9);
        JointSpanBitsSearch s = search(r, 2, 2, SCHEMES);
        long cap = s.denseBytes(1024) / 2;
        boolean[] pinned = {true, false, false, false};
        List<JointSpanBitsSearch.Candidate> front =
                s.paretoFront(
                        new long[] {cap},
                        9,
                        new CpSatSpanSearch(10, 1),
                        pinned,
                        new boolean[] {true, false, false, false, false});
        assertTrue(!front.isEmpty());
        for (JointSpanBitsSearch.Candidate c : front) {
            assertEquals(List.of(BF16, BF16, BF16, BF16), c.quantization().schemes());
            assertTrue(c.heads().get(0).isFull(), "pinned head 0 stays full");
        }
    }

    @Test
    void bytesAreTheFormatsCount() {
        JointSpanBitsSearch s = search(new Random(1), 1, 1, SCHEMES);
        SpanCandidate window = new SpanCandidate(64, 0.25); // 64 + 256 = 320 at 1024
        SpanCandidate full = new SpanCandidate(0, 1.0);
        // bf16: sink 4 + window 320 tokens, 2 (k, v) x 32 x 2 bytes
        assertEquals(324L * 2 * HD * 2, s.bytes(window, BF16, 1024));
        assertEquals(
                new KiviFormat(2, 32, 32, 0).bytes(HeadPattern.sinkWindow(SINK, 320), 1024, HD),
                s.bytes(window, KvScheme.kivi(2, 32, 32), 1024));
        // 4-bit keys, 2-bit values, group 64, no residual, sink + window: positions 0..3 and
        // 704..1023 held, every one a code; key groups 0 and 11..15 touched: 6 x (64 tokens x 4
        // words x 4 B + 32 channels x 4 B) = 6912; value rows 324 x (32 x 2 / 8 + 4) = 3888
        assertEquals(6912 + 3888, s.bytes(window, new KvScheme(4, 2, 64, 0), 1024));
        // 2-bit, group 128, residual 128, full: keys (1024 - 128) / 128 = 7 groups of (128 x 2 x 4
        // + 128) = 1152, 128 keys bf16 (64 B each); values 896 codes of 12 B, 128 bf16
        assertEquals(
                7 * 1152 + 128 * 64 + 896 * 12 + 128 * 64,
                s.bytes(full, new KvScheme(2, 2, 128, 128), 1024));
        // one head, keys and values, 1024 tokens of 32 bf16 elements
        assertEquals(2L * 1024 * HD * 2, s.denseBytes(1024));
    }
}
