package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.quantize.KiviGroups;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fp32 caches' host quantization against KIVI's schedule written out position by position: the
 * device side is simulated as the runtime drives it (slots, chunks no longer than the quantizer
 * allows, appends of positions still held at a chunk's end, keys saved before a chunk overwrites
 * them), the reference keeps every position's row and quantizes at each call's end what the format
 * makes due (key groups over the tokens held at their flush, value rows over the tokens held now).
 */
class Fp32FormatQuantizerTest {
    private static final int HD = 32;

    @Test
    void fullHeadMatchesTheSchedule() {
        check(HeadPattern.full(), new KiviFormat(4, 32, 64, 0), 700);
    }

    @Test
    void ringHeadsThatTurnOverWithinOneCallMatchTheSchedule() {
        check(HeadPattern.sinkWindow(4, 48), new KiviFormat(2, 32, 32, 4), 700);
        check(HeadPattern.sinkWindow(8, 100), new KiviFormat(4, 16, 32, 0), 700);
    }

    @Test
    void fullPrecisionLayersNeedNoQuantizer() {
        assertNull(
                Fp32FormatQuantizer.of(
                        0,
                        LayerAttention.uniform(2, HeadPattern.full(), FullPrecisionKv.BF16),
                        HD,
                        null));
    }

    private static void check(HeadPattern p, KiviFormat f, int n) {
        Random r = new Random(7);
        float[][] k = new float[n][HD], v = new float[n][HD];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < HD; d++) {
                k[i][d] = (float) r.nextGaussian();
                v[i][d] = (float) r.nextGaussian();
            }
        int cap = p.isFull() ? n : p.heldTokens(n);
        float[] dk = new float[cap * HD], dv = new float[cap * HD];
        float[][] rk = new float[n][], rv = new float[n][];
        for (int i = 0; i < n; i++) {
            rk[i] = k[i].clone();
            rv[i] = v[i].clone();
        }
        Fp32FormatQuantizer q =
                Fp32FormatQuantizer.of(0, LayerAttention.uniform(1, p, f), HD, null);
        int[][] calls = {{0, 300}, {300, 301}, {301, 302}, {302, 400}, {400, n}};
        for (int[] call : calls) {
            int from = call[0], to = call[1];
            int chunk = q.chunkLimit(256);
            for (int c0 = from; c0 < to; c0 += chunk) {
                int c1 = Math.min(to, c0 + chunk);
                if (to - from > 1) q.beforeChunk(dk, cap, c0, c1);
                for (int pos = c0; pos < c1; pos++)
                    if (KvSlots.held(p, pos, c1)) {
                        System.arraycopy(k[pos], 0, dk, KvSlots.slot(p, pos) * HD, HD);
                        System.arraycopy(v[pos], 0, dv, KvSlots.slot(p, pos) * HD, HD);
                    }
            }
            q.afterCall(dk, dv, cap, from, to);
            reference(p, f, rk, rv, from, to);
        }
        int quantized = 0;
        for (int pos = 0; pos < n; pos++) {
            if (!KvSlots.held(p, pos, n)) continue;
            float[] gk =
                    java.util.Arrays.copyOfRange(
                            dk, KvSlots.slot(p, pos) * HD, (KvSlots.slot(p, pos) + 1) * HD);
            float[] gv =
                    java.util.Arrays.copyOfRange(
                            dv, KvSlots.slot(p, pos) * HD, (KvSlots.slot(p, pos) + 1) * HD);
            assertArrayEquals(rk[pos], gk, "key at " + pos);
            assertArrayEquals(rv[pos], gv, "value at " + pos);
            if (!java.util.Arrays.equals(gk, k[pos]) || !java.util.Arrays.equals(gv, v[pos]))
                quantized++;
        }
        assertNotEquals(0, quantized, "some held rows were quantized");
    }

    /** KIVI's schedule at a call's end, position by position. */
    private static void reference(
            HeadPattern p, KiviFormat f, float[][] k, float[][] v, int from, int to) {
        int s = f.sink(), g = f.group(), res = f.residual();
        for (int p0 = s; p0 + g <= to; p0 += g) {
            int flushedAt = p0 + g + res;
            if (flushedAt <= from || flushedAt > to) continue; // flushed earlier, or not yet
            int m = 0;
            int[] pos = new int[g];
            for (int i = p0; i < p0 + g; i++) if (KvSlots.held(p, i, flushedAt)) pos[m++] = i;
            if (m == 0) continue;
            float[] flat = new float[m * HD];
            for (int i = 0; i < m; i++) System.arraycopy(k[pos[i]], 0, flat, i * HD, HD);
            KiviGroups.quantizeKeyGroup(
                    flat, m, HD, f.keyBits(), new int[m * HD], new short[HD], new short[HD]);
            for (int i = 0; i < m; i++) System.arraycopy(flat, i * HD, k[pos[i]], 0, HD);
        }
        int groups = HD / f.valueGroup(HD);
        for (int pos = Math.max(s, from - res); pos < to - res; pos++) { // due in this call
            if (KvSlots.held(p, pos, to))
                KiviGroups.quantizeValueRow(
                        v[pos],
                        0,
                        HD,
                        f.valueBits(),
                        f.valueGroup(HD),
                        new short[HD],
                        new short[groups],
                        new short[groups]);
        }
    }
}
