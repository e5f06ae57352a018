package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.pattern.HeadPattern;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The host-side mirrors of the kernels' index math (tile ranges, work order, ring slots, splits),
 * on the CPU.
 */
class KernelIndexMathTest {
    @Test
    void prefillVisitsExactlyTheTilesWithVisiblePairs() {
        Random r = new Random(1);
        for (int trial = 0; trial < 300; trial++) {
            HeadPattern p =
                    r.nextInt(5) == 0
                            ? HeadPattern.full()
                            : HeadPattern.sinkWindow(
                                    r.nextInt(4) == 0 ? 0 : r.nextInt(200), 1 + r.nextInt(700));
            int sink = p.sink(), window = p.window();
            int kernelWindow = KernelPatterns.prefillWindows(new HeadPattern[] {p})[0];
            int qTile = r.nextInt(40);
            int rows = r.nextBoolean() ? 64 : 192; // the mma.sync and the wgmma kernels
            int[] range = FlashPrefillKernel.keyTileRange(qTile, rows, sink, kernelWindow);
            Set<Integer> visited = new HashSet<>();
            for (int j = 0; j < range[0]; j++) assertTrue(visited.add(j));
            for (int j = range[1]; j <= range[2]; j++)
                assertTrue(visited.add(j), "tile visited twice");
            Set<Integer> needed = new HashSet<>();
            for (int i = qTile * rows; i < qTile * rows + rows; i++)
                for (int k = 0; k <= i; k++) if (p.visible(i, k)) needed.add(k / 64);
            assertEquals(
                    needed,
                    visited,
                    "sink " + sink + " window " + window + " tile " + qTile + " rows " + rows);
            assertEquals(
                    visited.size(),
                    FlashPrefillKernel.keyTileCount(qTile, rows, sink, kernelWindow));
        }
    }

    @Test
    void workOrderIsAPermutationHeaviestFirst() {
        AttentionShape shape = new AttentionShape(8, 4, 1000, 128);
        HeadPattern[] patterns = {
            HeadPattern.sinkWindow(64, 128),
            HeadPattern.sinkWindow(64, 512),
            HeadPattern.full(),
            HeadPattern.sinkWindow(0, 64)
        };
        int[] order = FlashPrefillKernel.workOrder(shape, patterns, 64);
        int tiles = (1000 + 63) / 64;
        assertEquals(8 * tiles, order.length);
        Set<Integer> seen = new HashSet<>();
        int previous = Integer.MAX_VALUE;
        for (int item : order) {
            assertTrue(seen.add(item));
            int head = item >> 16, tile = item & 0xffff;
            assertTrue(head < 8 && tile < tiles);
            int kvHead = head / 2;
            int work =
                    FlashPrefillKernel.keyTileCount(
                            tile,
                            64,
                            patterns[kvHead].sink(),
                            KernelPatterns.prefillWindow(patterns[kvHead]));
            assertTrue(work <= previous, "not sorted by work");
            previous = work;
        }
    }

    @Test
    void ringBufferHoldsSinkAndLatestWindow() {
        int sink = 3, window = 5;
        HeadPattern p = HeadPattern.sinkWindow(sink, window);
        int kernelWindow = KernelPatterns.cacheWindows(new HeadPattern[] {p})[0];
        Integer[] slots = new Integer[sink + window];
        for (int t = 0; t < 40; t++) {
            int slot = CompressedKvCache.kernelSlot(t, sink, kernelWindow);
            assertTrue(slot < sink + window);
            slots[slot] = t;
            int valid = CompressedKvCache.kernelValidSlots(t + 1, sink, kernelWindow);
            Set<Integer> held = new HashSet<>();
            for (int s = 0; s < valid; s++) held.add(slots[s]);
            Set<Integer> visible = new HashSet<>();
            for (int k = 0; k <= t; k++) if (p.visible(t, k)) visible.add(k);
            assertEquals(visible, held, "after token " + t);
        }
        assertEquals(7, CompressedKvCache.kernelSlot(7, 0, HeadPattern.FULL));
    }

    /**
     * The GPU ring (compressed_append, valid_slots) lays positions out as the core's KvSlots does.
     */
    @Test
    void kernelRingMatchesKvSlots() {
        Random r = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            HeadPattern p =
                    r.nextInt(6) == 0
                            ? HeadPattern.full()
                            : HeadPattern.sinkWindow(
                                    r.nextInt(3) == 0 ? 0 : r.nextInt(40), 1 + r.nextInt(90));
            int kernelWindow = KernelPatterns.cacheWindows(new HeadPattern[] {p})[0];
            int n = 1 + r.nextInt(300);
            int[] slotOf = new int[n];
            for (int pos = 0; pos < n; pos++) {
                slotOf[pos] = CompressedKvCache.kernelSlot(pos, p.sink(), kernelWindow);
                assertEquals(KvSlots.slot(p, pos), slotOf[pos], p + " position " + pos);
            }
            assertEquals(
                    p.heldTokens(n),
                    CompressedKvCache.kernelValidSlots(n, p.sink(), kernelWindow),
                    p + " n " + n);
            int[] bySlot = new int[p.heldTokens(n)];
            for (int pos = 0; pos < n; pos++)
                if (slotOf[pos] < bySlot.length) bySlot[slotOf[pos]] = pos; // later wins
            assertEquals(
                    Arrays.toString(KvSlots.positionsBySlot(p, n)),
                    Arrays.toString(bySlot),
                    p + " n " + n);
        }
    }

    @Test
    void fullHeadsAndSinksBecomeKernelArrays() {
        HeadPattern[] patterns = {
            HeadPattern.full(), HeadPattern.sinkWindow(4, 100), HeadPattern.sinkWindow(0, 1)
        };
        assertEquals("[0, 4, 0]", Arrays.toString(KernelPatterns.sinks(patterns)));
        assertEquals("[0, 100, 1]", Arrays.toString(KernelPatterns.cacheWindows(patterns)));
        assertEquals(
                "[" + Integer.MAX_VALUE + ", 100, 1]",
                Arrays.toString(KernelPatterns.prefillWindows(patterns)));
        assertThrows(
                IllegalArgumentException.class, () -> KernelPatterns.check(new HeadPattern[0]));
    }

    @Test
    void splitLengthsStayInBounds() {
        for (long keys : new long[] {1, 100, 5000, 32768, 131072, 1 << 20}) {
            int s = DecodeWorkspace.splitLength(keys, 8, 132);
            assertTrue(
                    s >= DecodeWorkspace.MIN_SPLIT
                            && s <= DecodeWorkspace.MAX_SPLIT
                            && s % 128 == 0,
                    "" + s);
            assertTrue((long) DecodeWorkspace.splits(keys, s) * s >= keys);
        }
        assertEquals(1024, DecodeWorkspace.splitLength(131072, 8, 132));
        assertEquals(512, DecodeWorkspace.splitLength(32768, 8, 132));
    }

    @Test
    void kiviWalkSplitsFillOneWave() {
        // 2-bit, 8 KV heads, 128K tokens less a residual of 128, 4 CTAs per multiprocessor, chunks
        // of 128
        int s = KiviDecodeKernel.walkSplitLength(131072 - 128, 8, 4 * 132, 128);
        assertEquals(0, s % 128);
        int splits = (131072 - 128 + s - 1) / s;
        assertTrue(8 * (splits + 1) <= 4 * 132, "" + splits);
        assertEquals(128, KiviDecodeKernel.walkSplitLength(0, 2, 528, 128));
        assertEquals(
                128, KiviDecodeKernel.walkSplitLength(100, 8, 10, 64)); // too few CTAs: one split
    }

    @Test
    void mmaSplitsFillOneWave() {
        for (int tokens : new int[] {32768, 131072, 100_000}) {
            int s = CompressedDecodeKernel.mmaSplitLength(8L * tokens, 8, 132);
            long ctas = 8L * DecodeWorkspace.splits(tokens, s);
            assertTrue(s % CompressedDecodeKernel.MMA_BLOCK == 0, "" + s);
            assertTrue(ctas <= CompressedDecodeKernel.MMA_CTAS_PER_SM * 132L, "" + ctas);
            assertTrue(ctas >= 0.9 * CompressedDecodeKernel.MMA_CTAS_PER_SM * 132, "" + ctas);
        }
        assertEquals(2704, CompressedDecodeKernel.mmaSplitLength(8L * 131072, 8, 132));
        assertEquals(DecodeWorkspace.MIN_SPLIT, CompressedDecodeKernel.mmaSplitLength(100, 1, 132));
    }
}
