package dev.headroom.attention.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvScheme;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** KIVI's byte accounting against hand counts and a position-by-position count. */
class KiviFormatTest {

    @Test
    void handCountedSmallCase() {
        // group 4, residual 8, sink 2, head dim 8, 2 bits; 23 tokens, so 21 after the sink:
        // keys: (21 - 8) / 4 = 3 whole groups = 12 codes, 9 in bf16 + 2 sink = 11 bf16 rows;
        // values: 21 - 8 = 13 codes, 8 + 2 = 10 bf16 rows.
        // bf16: (11 + 10) rows x 8 x 2 B = 336; key groups: a token's 16 bits of codes take one
        // whole 32-bit word, so 3 x (4 x 4 + 8 x 4) = 144;
        // value rows: 13 x (8 x 2 / 8 + 4 x 2 groups) = 130.
        KiviFormat f = new KiviFormat(2, 4, 8, 2);
        assertEquals(12, f.quantizedKeys(21));
        assertEquals(13, f.quantizedValues(21));
        assertEquals(336 + 144 + 130, f.bytes(HeadPattern.full(), 23, 8));
        assertEquals(336 + 144 + 130, f.bytes(23, 8));
        // sink 2 + window 10 after 23 tokens holds positions 0, 1 and 13 .. 22. Keys quantized:
        // positions 2 .. 13, of which 13 is held: 1 code, group 2 (positions 10 .. 13) stored.
        // Values quantized: 2 .. 14, held 13 and 14. bf16 rows: (12 - 1) + (12 - 2) = 21 -> 336;
        // one key group 48; two value rows 20.
        assertEquals(336 + 48 + 20, f.bytes(HeadPattern.sinkWindow(2, 10), 23, 8));
        // below the residual nothing is quantized: all bf16
        assertEquals(FullPrecisionKv.BF16.bytes(9, 8), f.bytes(9, 8));
        // exactly residual + group after the sink flushes the first key group
        assertEquals(0, f.quantizedKeys(11));
        assertEquals(4, f.quantizedKeys(12));
    }

    @Test
    void handCountedSplitWidthsWideGroupAndNoResidual() {
        // 4-bit keys, 2-bit values, group 16 (wider than the head dim 8: one value group per
        // token), residual 0, sink 2, head dim 8; 23 tokens, so 21 after the sink:
        // keys: 21 / 16 = 1 whole group = 16 codes, 5 in bf16 + 2 sink = 7 bf16 rows;
        // values: all 21 are codes, the 2 sink rows bf16.
        // bf16: (7 + 2) rows x 8 x 2 B = 144; the key group: a token's 32 bits of codes are one
        // word, so 16 x 4 + 8 channels x 4 (scale, min) = 96;
        // value rows: 21 x (8 x 2 / 8 + 4 x 1 group) = 126.
        KiviFormat f = new KiviFormat(new KvScheme(4, 2, 16, 0), 2, KeyBasis.POST_ROPE);
        assertEquals(8, f.valueGroup(8));
        assertEquals(16, f.quantizedKeys(21));
        assertEquals(21, f.quantizedValues(21));
        assertEquals(144 + 96 + 126, f.bytes(HeadPattern.full(), 23, 8));
        // sink 2 + window 10 holds 0, 1 and 13 .. 22: key codes 2 .. 17, held 13 .. 17 (5, in
        // group 0, stored whole); value codes 2 .. 22, held 13 .. 22 (10 rows of 6 B);
        // bf16 rows: (12 - 5) + (12 - 10) = 9 -> 144.
        assertEquals(144 + 96 + 60, f.bytes(HeadPattern.sinkWindow(2, 10), 23, 8));
        assertEquals("kivi-k4v2-g16-r0-s2", f.name());
        assertEquals("kivi2-g32-r128", KiviFormat.of(2).name(), "uniform names are unchanged");
    }

    @Test
    void matchesAPositionByPositionCount() {
        Random r = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int keyBits = new int[] {2, 4, 8}[r.nextInt(3)];
            int valueBits = new int[] {2, 4, 8}[r.nextInt(3)];
            int group = 1 << r.nextInt(8), residual = group * r.nextInt(3), sink = r.nextInt(5);
            int hd = 32;
            KiviFormat f =
                    new KiviFormat(
                            new KvScheme(keyBits, valueBits, group, residual),
                            sink,
                            KeyBasis.POST_ROPE);
            HeadPattern p =
                    r.nextBoolean()
                            ? HeadPattern.full()
                            : HeadPattern.sinkWindow(r.nextInt(6), 1 + r.nextInt(60));
            int n = r.nextInt(200);
            assertEquals(countByPosition(f, p, n, hd), f.bytes(p, n, hd), f + " " + p + " n " + n);
        }
    }

    /** An independent count: walk every position, and every group, and ask what it holds. */
    private static long countByPosition(KiviFormat f, HeadPattern p, int n, int hd) {
        int after = Math.max(0, n - f.sink());
        long keyEnd = f.sink() + (long) Math.max(0, after - f.residual()) / f.group() * f.group();
        long valueEnd = f.sink() + Math.max(0, after - f.residual());
        long bytes = 0;
        java.util.Set<Long> groups = new java.util.HashSet<>();
        for (int pos = 0; pos < n; pos++) {
            if (!KvSlots.held(p, pos, n)) continue;
            boolean keyCode = pos >= f.sink() && pos < keyEnd;
            boolean valueCode = pos >= f.sink() && pos < valueEnd;
            if (keyCode) groups.add((long) (pos - f.sink()) / f.group());
            else bytes += 2L * hd;
            if (valueCode)
                bytes +=
                        hd * f.valueBits() / 8
                                + 4L * (hd / Math.min(f.group(), hd)); // hd 32: whole words
            else bytes += 2L * hd;
        }
        return bytes + groups.size() * ((long) f.group() * hd * f.keyBits() / 8 + 4L * hd);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new KiviFormat(3, 32, 128, 0));
        assertThrows(IllegalArgumentException.class, () -> new KiviFormat(2, 32, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> new KiviFormat(2, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new KvScheme(16, 2, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new KvScheme(4, 3, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new KvScheme(16, 16, 32, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new KiviFormat(KvScheme.BF16, 0, KeyBasis.POST_ROPE));
    }
}
