package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.quantize.KiviGroups;
import java.util.Map;
import java.util.TreeMap;

/**
 * KIVI in an fp32 buffer cache: key groups of {@link KiviFormat#group()} tokens are quantized per
 * channel to the format's key width when it flushes them, value rows per token (in groups of {@link
 * KiviFormat#valueGroup(int)} channels) to its value width, with {@link KiviGroups} (the packer the
 * GPU cache uploads); keys before RoPE when the format says so, rotated back once dequantized.
 * Codes of positions that left a windowed head's view are dropped, a key group when none of its
 * tokens is held.
 */
final class KiviBufferQuantizer extends BufferQuantizer {
    private final KiviFormat format;
    private final RotaryTable rope; // for keys fitted before RoPE

    /** Per sequence and head: key groups by group index, value rows by position. */
    private final Map<Long, int[]> keyWords = new TreeMap<>();

    private final Map<Long, short[]> keyScales = new TreeMap<>(), valueRows = new TreeMap<>();
    private final Map<Long, short[]> valueScales = new TreeMap<>();
    private int batch, heads, position;

    KiviBufferQuantizer(KiviFormat format, HeadPattern pattern, int headDim, RotaryTable rope) {
        super(pattern, headDim);
        KiviGroups.checkShape(headDim, format.valueBits(), format.valueGroup(headDim));
        if (format.keys() == KeyBasis.PRE_ROPE && rope == null)
            throw new IllegalArgumentException(format.name() + " needs the model's rotary table");
        this.format = format;
        this.rope = rope;
    }

    private static long key(int seq, int head, long index) {
        return ((long) seq << 48) | ((long) head << 32) | index;
    }

    /** The key groups this append flushes: their first positions. */
    private int[] flushedGroups(int from, int to) {
        int sink = format.sink(), g = format.group();
        long a0 = Math.max(0, from - sink), a1 = Math.max(0, to - sink);
        long k0 = format.quantizedKeys(a0), k1 = format.quantizedKeys(a1);
        int[] starts = new int[(int) ((k1 - k0) / g)];
        for (int i = 0; i < starts.length; i++) starts[i] = (int) (sink + k0 + (long) i * g);
        return starts;
    }

    /**
     * The tokens a key group is fitted over: those its head still holds when the group is flushed
     * (the append that brings residual + group tokens after it), whether the tokens came in one
     * prefill or one by one.
     */
    private int[] fitted(int p0) {
        int flushedAt = p0 + format.group() + format.residual();
        return held(p0, p0 + format.group(), flushedAt);
    }

    /** Rows of earlier appends that groups flushed now are fitted over, read before the store. */
    @Override
    Object beforeStore(NdKvCache cache, int from, int to) {
        Map<Integer, float[][]> rows = new TreeMap<>(); // position -> [B * n][hd]
        if (cache.keys == null) return rows;
        for (int p0 : flushedGroups(from, to)) {
            int[] old = java.util.Arrays.stream(fitted(p0)).filter(p -> p < from).toArray();
            if (old.length == 0) continue;
            float[][][][] r = read(cache.keys, old);
            for (int i = 0; i < old.length; i++) {
                float[][] byHead = new float[r.length * r[0].length][];
                for (int b = 0; b < r.length; b++)
                    for (int h = 0; h < r[0].length; h++) byHead[b * r[0].length + h] = r[b][h][i];
                rows.put(old[i], byHead);
            }
        }
        return rows;
    }

    @Override
    @SuppressWarnings("unchecked")
    void afterStore(NdKvCache cache, Object before, NDArray kb, NDArray vb, int from, int to) {
        Map<Integer, float[][]> old = (Map<Integer, float[][]>) before;
        batch = (int) cache.keys.getShape().get(0);
        heads = (int) cache.keys.getShape().get(1);
        position = to;
        int sink = format.sink(), g = format.group();
        // keys: whole groups, each fitted over its tokens held at its flush
        for (int p0 : flushedGroups(from, to)) {
            int[] pos = fitted(p0);
            if (pos.length == 0) continue;
            int[] fresh = java.util.Arrays.stream(pos).filter(p -> p >= from).toArray();
            float[][][][] appended = readAppended(kb, from, fresh);
            float[][][][] rows = new float[batch][heads][pos.length][];
            for (int i = 0, j = 0; i < pos.length; i++) {
                for (int b = 0; b < batch; b++)
                    for (int h = 0; h < heads; h++)
                        rows[b][h][i] =
                                pos[i] < from ? old.get(pos[i])[b * heads + h] : appended[b][h][j];
                if (pos[i] >= from) j++;
            }
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < heads; h++)
                    quantizeKeys(rows[b][h], pos, p0, key(b, h, (p0 - sink) / g));
            int[] keep =
                    java.util.Arrays.stream(pos)
                            .filter(p -> KvSlots.held(pattern, p, to))
                            .toArray();
            if (keep.length > 0) write(cache.keys, keep, subset(rows, pos, keep));
        }
        // values: one token at a time
        long a0 = Math.max(0, from - sink), a1 = Math.max(0, to - sink);
        int v0 = (int) (sink + format.quantizedValues(a0)),
                v1 = (int) (sink + format.quantizedValues(a1));
        int[] pos = held(v0, v1, to);
        if (pos.length > 0) {
            float[][][][] rows = read(cache.values, pos);
            int vg = format.valueGroup(headDim), groups = headDim / vg;
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < pos.length; i++) {
                        short[] halves =
                                new short[KiviGroups.valueHalves(headDim, format.valueBits())];
                        short[] sm = new short[2 * groups];
                        short[] scale = new short[groups], min = new short[groups];
                        KiviGroups.quantizeValueRow(
                                rows[b][h][i],
                                0,
                                headDim,
                                format.valueBits(),
                                vg,
                                halves,
                                scale,
                                min);
                        System.arraycopy(scale, 0, sm, 0, groups);
                        System.arraycopy(min, 0, sm, groups, groups);
                        valueRows.put(key(b, h, pos[i]), halves);
                        valueScales.put(key(b, h, pos[i]), sm);
                    }
            write(cache.values, pos, rows);
        }
        evict(to);
    }

    /** The rows of {@code keep} (a subset of {@code pos}, both ascending). */
    private static float[][][][] subset(float[][][][] rows, int[] pos, int[] keep) {
        float[][][][] out = new float[rows.length][rows[0].length][keep.length][];
        for (int i = 0, j = 0; i < pos.length && j < keep.length; i++) {
            if (pos[i] != keep[j]) continue;
            for (int b = 0; b < rows.length; b++)
                for (int h = 0; h < rows[0].length; h++) out[b][h][j] = rows[b][h][i];
            j++;
        }
        return out;
    }

    /** Quantizes one group's held key rows (positions pos within group start p0) in place. */
    private void quantizeKeys(float[][] rows, int[] pos, int p0, long id) {
        int bits = format.keyBits(), words = KiviGroups.keyWords(headDim, bits);
        boolean preRope = format.keys() == KeyBasis.PRE_ROPE;
        float[] flat = new float[pos.length * headDim]; // [tokens][hd], un-rotated if pre-RoPE
        for (int i = 0; i < pos.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * headDim, headDim);
            if (preRope) unrotate(flat, i, pos[i]);
        }
        int[] packed = new int[pos.length * words];
        short[] scale = new short[headDim], min = new short[headDim];
        KiviGroups.quantizeKeyGroup(flat, pos.length, headDim, bits, packed, scale, min);
        int[] group = new int[format.group() * words]; // evicted tokens' rows stay zero
        for (int i = 0; i < pos.length; i++) {
            System.arraycopy(flat, i * headDim, rows[i], 0, headDim);
            if (preRope) rope.rotate(rows[i], pos[i]);
            System.arraycopy(packed, i * words, group, (pos[i] - p0) * words, words);
        }
        short[] sm = new short[2 * headDim];
        System.arraycopy(scale, 0, sm, 0, headDim);
        System.arraycopy(min, 0, sm, headDim, headDim);
        keyWords.put(id, group);
        keyScales.put(id, sm);
    }

    private void unrotate(float[] flat, int row, int position) {
        float[] r = java.util.Arrays.copyOfRange(flat, row * headDim, (row + 1) * headDim);
        rope.unrotate(r, position);
        System.arraycopy(r, 0, flat, row * headDim, headDim);
    }

    /** Drops codes whose positions no query can see any more. */
    private void evict(int end) {
        if (pattern.isFull()) return;
        int g = format.group(), sink = format.sink();
        keyWords.keySet()
                .removeIf(
                        id -> {
                            long p0 = sink + (id & 0xffffffffL) * g;
                            for (long p = p0; p < p0 + g; p++)
                                if (KvSlots.held(pattern, (int) p, end)) return false;
                            keyScales.remove(id);
                            return true;
                        });
        valueRows
                .keySet()
                .removeIf(
                        id -> {
                            if (KvSlots.held(pattern, (int) (id & 0xffffffffL), end)) return false;
                            valueScales.remove(id);
                            return true;
                        });
    }

    /** The packed codes of one key group (tests compare them with the GPU packer's). */
    int[] keyGroupWords(int seq, int head, int groupIndex) {
        return keyWords.get(key(seq, head, groupIndex));
    }

    short[] valueRowHalves(int seq, int head, int position) {
        return valueRows.get(key(seq, head, position));
    }

    @Override
    long storedBytes() {
        long bytes = 0;
        for (int[] w : keyWords.values()) bytes += 4L * w.length;
        for (short[] s : keyScales.values()) bytes += 2L * s.length;
        for (short[] h : valueRows.values()) bytes += 2L * h.length;
        for (short[] s : valueScales.values()) bytes += 2L * s.length;
        // full precision: held tokens whose key (value) is not a code, two bf16 bytes per element
        long held = (long) pattern.heldTokens(position);
        long keyCodes = 0, valueCodes = 0;
        int sink = format.sink();
        long after = Math.max(0, position - sink);
        long keyEnd = sink + format.quantizedKeys(after),
                valueEnd = sink + format.quantizedValues(after);
        for (int p = 0; p < position; p++) {
            if (!KvSlots.held(pattern, p, position)) continue;
            if (p >= sink && p < keyEnd) keyCodes++;
            if (p >= sink && p < valueEnd) valueCodes++;
        }
        long perSeqHead = 2L * headDim * ((held - keyCodes) + (held - valueCodes));
        return bytes + (long) batch * heads * perSeqHead;
    }
}
