package dev.headroom.attention.cache;

import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvScheme;

/**
 * KIVI's cache format (Liu et al. 2024): asymmetric integer codes ({@link KvScheme}: {@code
 * keyBits}-bit keys, {@code valueBits}-bit values) with an fp16 scale and minimum per group. Keys
 * are grouped per channel over {@code group} consecutive tokens, values per token over {@code
 * group} consecutive channels (the whole row when the group is wider than the head). The first
 * {@code sink} tokens stay in bf16 (KVQuant keeps its first token), and so do the newest: keys are
 * flushed to codes a block of {@code group} tokens at a time once {@code residual + group} have
 * gathered, values one token at a time once {@code residual} have, so between {@code residual} and
 * {@code residual + group - 1} keys and exactly {@code min(tokens, residual)} values are in bf16.
 *
 * <p>{@code keys} says whether key groups are fitted to the keys attention reads (after RoPE, as
 * KIVI does) or to the keys before RoPE (as KVQuant does; see {@link KeyBasis}); the bytes are the
 * same.
 *
 * <p>The schedule is a function of the token count alone, so a prompt prefilled at once and the
 * same tokens appended one by one end in the same state. {@link #bytes(HeadPattern, int, int)}
 * counts what a cache of that state stores: codes, scales and minimums of every group that still
 * holds a visible token, and the bf16 regions.
 */
public record KiviFormat(KvScheme scheme, int sink, KeyBasis keys) implements KvFormat {
    public static final int DEFAULT_GROUP = 32, DEFAULT_RESIDUAL = 128;

    public KiviFormat {
        if (scheme == null || scheme.isFullPrecision())
            throw new IllegalArgumentException("a KIVI format needs a KIVI scheme, got " + scheme);
        if (sink < 0) throw new IllegalArgumentException("KIVI sink must be >= 0, got " + sink);
        if (keys == null) throw new IllegalArgumentException("KIVI key basis must be given");
    }

    /** Keys and values at one width, fitted in the given key basis. */
    public KiviFormat(int bits, int group, int residual, int sink, KeyBasis keys) {
        this(checkedKivi(bits, group, residual), sink, keys);
    }

    /** KIVI as published: keys fitted after RoPE. */
    public KiviFormat(int bits, int group, int residual, int sink) {
        this(bits, group, residual, sink, KeyBasis.POST_ROPE);
    }

    private static KvScheme checkedKivi(int bits, int group, int residual) {
        if (!KvScheme.isKiviWidth(bits))
            throw new IllegalArgumentException("KIVI bits are 2, 4 or 8, got " + bits);
        return KvScheme.kivi(bits, group, residual);
    }

    /** KIVI with the default group (32) and residual (128), no sink. */
    public static KiviFormat of(int bits) {
        return new KiviFormat(bits, DEFAULT_GROUP, DEFAULT_RESIDUAL, 0);
    }

    public int keyBits() {
        return scheme.keyBits();
    }

    public int valueBits() {
        return scheme.valueBits();
    }

    /** Tokens per key group (and channels per value group, at most the head dim). */
    public int group() {
        return scheme.group();
    }

    public int residual() {
        return scheme.residual();
    }

    /** Channels per value group for a head of width headDim. */
    public int valueGroup(int headDim) {
        return scheme.valueGroup(headDim);
    }

    @Override
    public String name() {
        return "kivi"
                + (scheme.isUniform() ? keyBits() : "-k" + keyBits() + "v" + valueBits())
                + "-g"
                + group()
                + "-r"
                + residual()
                + (sink > 0 ? "-s" + sink : "")
                + (keys == KeyBasis.PRE_ROPE ? "-prerope" : "");
    }

    /**
     * Keys of the first {@code tokens} after the sink that are codes: whole groups, leaving
     * residual to residual + group - 1 in bf16.
     */
    public long quantizedKeys(long tokens) {
        return Math.max(0, tokens - residual()) / group() * group();
    }

    /** Values of the first {@code tokens} after the sink that are codes: all but the residual. */
    public long quantizedValues(long tokens) {
        return Math.max(0, tokens - residual());
    }

    /**
     * Bytes of one key group: per token a row of 32-bit words of codes (whole words: headDim x
     * keyBits / 8 bytes when that is a multiple of 4), and an fp16 scale and min per channel.
     */
    public long keyGroupBytes(int headDim) {
        return (long) group() * 4 * ceilDiv((long) headDim * keyBits(), 32) + 4L * headDim;
    }

    /**
     * Bytes of one quantized value token: its valueBits codes in 16-bit halves and an fp16 scale
     * and min per group of {@link #valueGroup(int)} channels.
     */
    public long valueTokenBytes(int headDim) {
        return 2 * ceilDiv((long) headDim * valueBits(), 16)
                + 4L * ceilDiv(headDim, valueGroup(headDim));
    }

    @Override
    public long bytes(long tokens, int headDim) {
        if (tokens > Integer.MAX_VALUE) throw new IllegalArgumentException("tokens " + tokens);
        return bytes(HeadPattern.full(), (int) tokens, headDim);
    }

    @Override
    public long bytes(HeadPattern pattern, int position, int headDim) {
        // held positions: [0, heldSinkEnd) and [windowStart, position)
        int windowStart, heldSinkEnd;
        if (pattern.isFull() || position <= pattern.sink() + pattern.window()) {
            heldSinkEnd = position;
            windowStart = position;
        } else {
            heldSinkEnd = pattern.sink();
            windowStart = position - pattern.window();
        }
        int after = Math.max(0, position - sink); // tokens after the format's sink
        long keyEnd = sink + quantizedKeys(after), valueEnd = sink + quantizedValues(after);
        long[][] held = {{0, heldSinkEnd}, {windowStart, position}};
        long keyCodes = 0, valueCodes = 0, heldTotal = 0;
        long groups = 0, lastGroup = -1;
        for (long[] r : held) {
            if (r[1] <= r[0]) continue;
            heldTotal += r[1] - r[0];
            long k0 = Math.max(r[0], sink), k1 = Math.min(r[1], keyEnd);
            if (k1 > k0) {
                keyCodes += k1 - k0;
                long g0 = (k0 - sink) / group(), g1 = (k1 - 1 - sink) / group();
                if (g0 <= lastGroup) g0 = lastGroup + 1; // a group both ranges touch counts once
                if (g1 >= g0) groups += g1 - g0 + 1;
                lastGroup = Math.max(lastGroup, g1);
            }
            long v0 = Math.max(r[0], sink), v1 = Math.min(r[1], valueEnd);
            if (v1 > v0) valueCodes += v1 - v0;
        }
        long bf16 = 2L * headDim * ((heldTotal - keyCodes) + (heldTotal - valueCodes));
        return bf16 + groups * keyGroupBytes(headDim) + valueCodes * valueTokenBytes(headDim);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
