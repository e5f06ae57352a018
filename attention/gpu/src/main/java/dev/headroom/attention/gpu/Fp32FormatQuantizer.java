package dev.headroom.attention.gpu;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.policy.KvHeadAttention;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.quantize.Fp8E4m3;
import dev.headroom.quantize.KiviGroups;
import java.util.ArrayList;
import java.util.List;

/**
 * Quantized KV formats (KIVI, fp8) in the fp32 caches of one layer, as the CPU runtime stores them:
 * after each call appends positions [from, to), the positions its format's schedule makes due are
 * quantized with the one packer of {@code quantize/} ({@link KiviGroups}, {@link Fp8E4m3}) and
 * their dequantized values written back into the slots, where the attention kernel reads them. So
 * the prompt of a call is attended in full precision and every later token sees the quantized
 * cache, the same schedule the CPU's buffer quantizers follow:
 *
 * <ul>
 *   <li>KIVI: a key group of {@code group} tokens is fitted per channel (over the tokens its head
 *       still holds when the group is flushed, after RoPE or before it as the format says) once
 *       {@code residual + group} tokens have gathered after it; value rows per token once {@code
 *       residual} tokens follow; the first {@code sink} tokens stay full precision;
 *   <li>fp8: every appended position, with a scale fixed at the first call (the largest magnitude
 *       over 448, per KV head or over the heads that share the layer's cache).
 * </ul>
 *
 * Works on host copies of the layer's K and V, [KV][capacity][hd] in slot order. Where a sink +
 * window head's ring turns over within one call, the keys a later fit needs are saved before each
 * chunk overwrites them ({@link #beforeChunk}; the runtime then runs chunks no longer than the
 * shortest such window, so every token of a chunk reaches its slot).
 */
final class Fp32FormatQuantizer {
    private final int layer, headDim;
    private final List<int[]> groups = new ArrayList<>(); // heads sharing (pattern, format)
    private final List<KvHeadAttention> attention = new ArrayList<>();
    private final RotaryTable rope;
    private float[][][] fp8Scale; // [group][head in group][key, value]
    private final java.util.Map<Long, float[]> saved = new java.util.HashMap<>(); // (head, pos)

    private Fp32FormatQuantizer(int layer, int headDim, RotaryTable rope) {
        this.layer = layer;
        this.headDim = headDim;
        this.rope = rope;
    }

    /** The quantizer of a layer, or null when every head is full precision. */
    static Fp32FormatQuantizer of(int layer, LayerAttention la, int headDim, RotaryTable rope) {
        Fp32FormatQuantizer q = new Fp32FormatQuantizer(layer, headDim, rope);
        for (int[] heads : la.groups()) {
            KvHeadAttention a = la.head(heads[0]);
            KvFormat f = a.format();
            if (f instanceof FullPrecisionKv) continue;
            if (f instanceof KiviFormat k) {
                KiviGroups.checkShape(headDim, k.valueBits(), k.valueGroup(headDim));
            } else if (!(f instanceof Fp8Format)) {
                throw new HeadroomException(
                        "backend gpu: KV format "
                                + f.name()
                                + " (layer "
                                + layer
                                + ", KV head "
                                + heads[0]
                                + ") is not supported by the CUDA runtime");
            }
            q.groups.add(heads);
            q.attention.add(a);
        }
        return q.groups.isEmpty() ? null : q;
    }

    /** A copy for a forked sequence (the fp8 scales are the sequence's). */
    Fp32FormatQuantizer copy() {
        Fp32FormatQuantizer out = new Fp32FormatQuantizer(layer, headDim, rope);
        out.groups.addAll(groups);
        out.attention.addAll(attention);
        if (fp8Scale != null) {
            out.fp8Scale = new float[fp8Scale.length][][];
            for (int g = 0; g < fp8Scale.length; g++)
                if (fp8Scale[g] != null) {
                    out.fp8Scale[g] = new float[fp8Scale[g].length][];
                    for (int i = 0; i < fp8Scale[g].length; i++)
                        out.fp8Scale[g][i] = fp8Scale[g][i].clone();
                }
        }
        return out;
    }

    /** The longest chunk this layer's windowed KIVI heads allow (every chunk token lands). */
    int chunkLimit(int chunk) {
        for (KvHeadAttention a : attention)
            if (a.format() instanceof KiviFormat && !a.pattern().isFull())
                chunk = Math.min(chunk, Math.max(1, a.pattern().window()));
        return chunk;
    }

    /** Whether a call of several chunks must save keys before each ({@link #beforeChunk}). */
    boolean savesKeys() {
        return chunkLimit(Integer.MAX_VALUE) != Integer.MAX_VALUE;
    }

    /**
     * Before a chunk appends [chunkFrom, chunkTo): saves the keys of windowed KIVI heads that the
     * chunk's append overwrites (held now, not after it), for the fits at the call's end.
     */
    void beforeChunk(float[] keys, int capacity, int chunkFrom, int chunkTo) {
        for (int g = 0; g < groups.size(); g++) {
            KvHeadAttention a = attention.get(g);
            HeadPattern p = a.pattern();
            if (!(a.format() instanceof KiviFormat) || p.isFull()) continue;
            for (int h : groups.get(g))
                for (int q = Math.max(p.sink(), chunkFrom - p.window() - 1); q < chunkFrom; q++)
                    if (KvSlots.held(p, q, chunkFrom) && !KvSlots.held(p, q, chunkTo)) {
                        int o = at(h, capacity, p, q);
                        saved.put(
                                ((long) h << 32) | q,
                                java.util.Arrays.copyOfRange(keys, o, o + headDim));
                    }
        }
    }

    /**
     * Quantizes what became due when positions [from, to) were appended. keys, values: the layer's
     * caches [KV][capacity][hd], modified in place.
     */
    void afterCall(float[] keys, float[] values, int capacity, int from, int to) {
        if (fp8Scale == null) fp8Scale = new float[groups.size()][][];
        for (int g = 0; g < groups.size(); g++) {
            KvHeadAttention a = attention.get(g);
            if (a.format() instanceof KiviFormat k) {
                for (int h : groups.get(g))
                    kivi(k, a.pattern(), h, keys, values, capacity, from, to);
            } else {
                fp8(g, (Fp8Format) a.format(), a.pattern(), keys, values, capacity, from, to);
            }
        }
        saved.clear();
    }

    private int at(int head, int capacity, HeadPattern p, int pos) {
        return (head * capacity + KvSlots.slot(p, pos)) * headDim;
    }

    private void kivi(
            KiviFormat f,
            HeadPattern p,
            int head,
            float[] keys,
            float[] values,
            int capacity,
            int from,
            int to) {
        int sink = f.sink(), g = f.group(), bits = f.keyBits();
        long a0 = Math.max(0, from - sink), a1 = Math.max(0, to - sink);
        long k0 = f.quantizedKeys(a0), k1 = f.quantizedKeys(a1);
        int words = KiviGroups.keyWords(headDim, bits);
        for (long start = sink + k0; start < sink + k1; start += g) {
            int p0 = (int) start, flushedAt = p0 + g + f.residual();
            int[] pos = held(p, p0, p0 + g, flushedAt);
            if (pos.length == 0) continue;
            float[] flat = new float[pos.length * headDim];
            for (int i = 0; i < pos.length; i++) {
                float[] old = saved.get(((long) head << 32) | pos[i]);
                if (old != null) {
                    System.arraycopy(old, 0, flat, i * headDim, headDim);
                } else if (!KvSlots.held(p, pos[i], to)) {
                    throw new HeadroomException(
                            "backend gpu: layer "
                                    + layer
                                    + ", KV head "
                                    + head
                                    + ": "
                                    + f.name()
                                    + " on a sink "
                                    + p.sink()
                                    + " + window "
                                    + p.window()
                                    + " head whose ring turned over key group "
                                    + p0
                                    + " within one call of "
                                    + (to - from)
                                    + " tokens; the fp32 caches cannot fit it (prefill in"
                                    + " shorter calls)");
                } else {
                    System.arraycopy(
                            keys, at(head, capacity, p, pos[i]), flat, i * headDim, headDim);
                }
                if (f.keys() == KeyBasis.PRE_ROPE) unrotate(flat, i, pos[i]);
            }
            short[] scale = new short[headDim], min = new short[headDim];
            KiviGroups.quantizeKeyGroup(
                    flat, pos.length, headDim, bits, new int[pos.length * words], scale, min);
            for (int i = 0; i < pos.length; i++) {
                float[] row = java.util.Arrays.copyOfRange(flat, i * headDim, (i + 1) * headDim);
                if (f.keys() == KeyBasis.PRE_ROPE) rope.rotate(row, pos[i]);
                if (KvSlots.held(p, pos[i], to))
                    System.arraycopy(row, 0, keys, at(head, capacity, p, pos[i]), headDim);
            }
        }
        int v0 = (int) (sink + f.quantizedValues(a0)), v1 = (int) (sink + f.quantizedValues(a1));
        int vg = f.valueGroup(headDim), vbits = f.valueBits(), groupsPerRow = headDim / vg;
        short[] halves = new short[KiviGroups.valueHalves(headDim, vbits)];
        short[] scale = new short[groupsPerRow], min = new short[groupsPerRow];
        for (int pos : held(p, v0, v1, to)) {
            KiviGroups.quantizeValueRow(
                    values, at(head, capacity, p, pos), headDim, vbits, vg, halves, scale, min);
        }
    }

    private void unrotate(float[] flat, int row, int position) {
        float[] r = java.util.Arrays.copyOfRange(flat, row * headDim, (row + 1) * headDim);
        rope.unrotate(r, position);
        System.arraycopy(r, 0, flat, row * headDim, headDim);
    }

    private void fp8(
            int g,
            Fp8Format f,
            HeadPattern p,
            float[] keys,
            float[] values,
            int capacity,
            int from,
            int to) {
        int[] heads = groups.get(g);
        int[] pos = held(p, from, to, to);
        if (pos.length == 0) return;
        if (fp8Scale[g] == null) {
            float[][] s = new float[heads.length][2];
            float[] tensor = new float[2];
            for (int i = 0; i < heads.length; i++) {
                for (int q : pos) {
                    int o = at(heads[i], capacity, p, q);
                    for (int d = 0; d < headDim; d++) {
                        s[i][0] = Math.max(s[i][0], Math.abs(keys[o + d]));
                        s[i][1] = Math.max(s[i][1], Math.abs(values[o + d]));
                    }
                }
                s[i][0] /= Fp8E4m3.MAX;
                s[i][1] /= Fp8E4m3.MAX;
                tensor[0] = Math.max(tensor[0], s[i][0]);
                tensor[1] = Math.max(tensor[1], s[i][1]);
            }
            for (int i = 0; i < heads.length; i++) {
                if (f.scaling() == Fp8Format.Fp8Scaling.PER_TENSOR) s[i] = tensor.clone();
                for (int j = 0; j < 2; j++) if (s[i][j] == 0) s[i][j] = 1;
            }
            fp8Scale[g] = s;
        }
        for (int i = 0; i < heads.length; i++)
            for (int q : pos) {
                int o = at(heads[i], capacity, p, q);
                round(keys, o, fp8Scale[g][i][0]);
                round(values, o, fp8Scale[g][i][1]);
            }
    }

    private void round(float[] x, int off, float scale) {
        for (int d = off; d < off + headDim; d++)
            x[d] = Fp8E4m3.toFloat(Fp8E4m3.fromFloat(x[d] / scale)) * scale;
    }

    /** The positions in [from, to) a pattern still holds after {@code end} tokens. */
    private static int[] held(HeadPattern p, int from, int to, int end) {
        int[] out = new int[Math.max(0, to - from)];
        int m = 0;
        for (int q = from; q < to; q++) if (KvSlots.held(p, q, end)) out[m++] = q;
        return java.util.Arrays.copyOf(out, m);
    }
}
