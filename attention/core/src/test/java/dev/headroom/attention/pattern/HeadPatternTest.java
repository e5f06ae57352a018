package dev.headroom.attention.pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.plan.HeadSpan;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HeadPattern and the ring slots against a brute-force mask, on random cases. */
class HeadPatternTest {

    /** The definition, written out: causal, and within the sink or the window (0 = no window). */
    private static boolean mask(int query, int key, int sink, int window) {
        return key <= query && (window == 0 || key < sink || query - key < window);
    }

    private static HeadPattern random(Random r) {
        return r.nextInt(4) == 0
                ? HeadPattern.full()
                : HeadPattern.sinkWindow(r.nextInt(5), 1 + r.nextInt(20));
    }

    @Test
    void agreesWithABruteForceMask() {
        Random r = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            HeadPattern p = random(r);
            int n = 1 + r.nextInt(60);
            long pairs = 0;
            for (int i = 0; i < n; i++) {
                long visible = 0;
                for (int j = 0; j < n; j++) {
                    assertEquals(
                            mask(i, j, p.sink(), p.window()),
                            p.visible(i, j),
                            p + " query " + i + " key " + j);
                    if (mask(i, j, p.sink(), p.window())) visible++;
                }
                assertEquals(visible, p.visibleKeys(i), p + " visible keys of query " + i);
                pairs += visible;
            }
            assertEquals(pairs, p.pairs(n), p + " pairs over " + n);
        }
    }

    @Test
    void aCompactCacheHoldsWhatTheNextQueryCanSeeInDistinctSlots() {
        Random r = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            HeadPattern p = random(r);
            int n = 1 + r.nextInt(80);
            // everything the query at n (the next token) can see among positions < n must still be
            // held
            for (int pos = 0; pos < n; pos++) {
                if (mask(n, pos, p.sink(), p.window()))
                    assertTrue(KvSlots.held(p, pos, n), p + " n=" + n + " drops visible " + pos);
            }
            int[] bySlot = KvSlots.positionsBySlot(p, n);
            assertEquals(p.heldTokens(n), bySlot.length, p + " held after " + n);
            Set<Integer> distinct = new HashSet<>();
            for (int slot = 0; slot < bySlot.length; slot++) {
                assertEquals(
                        slot,
                        KvSlots.slot(p, bySlot[slot]),
                        p + " slot of position " + bySlot[slot]);
                distinct.add(bySlot[slot]);
            }
            assertEquals(bySlot.length, distinct.size(), p + ": a position in two slots");
            if (!p.isFull()) assertTrue(bySlot.length <= p.sink() + p.window());
        }
    }

    @Test
    void handComputedCases() {
        HeadPattern p = HeadPattern.sinkWindow(2, 3);
        // query 9 sees keys 0, 1 (sink) and 7, 8, 9 (window)
        boolean[] seen = new boolean[10];
        for (int k = 0; k < 10; k++) seen[k] = p.visible(9, k);
        assertArrayEquals(
                new boolean[] {true, true, false, false, false, false, false, true, true, true},
                seen);
        assertEquals(5, p.visibleKeys(9));
        assertEquals(5, p.heldTokens(10));
        assertEquals(
                2 * 5 * 8 * 2,
                FullPrecisionKv.BF16.bytes(p.heldTokens(10), 8)); // K and V, 5 tokens, hd 8, 2 B
        assertEquals(HeadPattern.sinkWindow(0, 16), HeadPattern.full().limitedTo(16));
        assertEquals(HeadPattern.sinkWindow(2, 3), p.limitedTo(16));
        assertEquals(
                HeadPattern.full(), HeadPattern.of(new HeadSpan(0, 0, "full", 4, 0, 1.0), 100));
        assertEquals(
                HeadPattern.sinkWindow(4, 30),
                HeadPattern.of(new HeadSpan(0, 0, "window", 4, 10, 0.2), 100));
        assertThrows(IllegalArgumentException.class, () -> HeadPattern.sinkWindow(1, 0));
    }
}
