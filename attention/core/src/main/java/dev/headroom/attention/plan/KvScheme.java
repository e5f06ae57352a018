package dev.headroom.attention.plan;

import java.io.Serializable;

/**
 * How one KV head's cache is stored: bf16 ({@link #BF16}: both widths 16), or KIVI codes with
 * {@code keyBits}-bit keys and {@code valueBits}-bit values (each 2, 4 or 8; KIVI finds keys the
 * sensitive half, so keys may keep more bits than values), key groups of {@code group} tokens per
 * channel, value groups of {@code min(group, headDim)} channels per token, and the newest {@code
 * residual} tokens (a multiple of the group) in bf16. The sink and the key basis are the plan's,
 * shared by every head ({@link KiviFormat}).
 */
public record KvScheme(int keyBits, int valueBits, int group, int residual)
        implements Serializable {
    public static final int FULL_PRECISION_BITS = 16;

    /** The unquantized cache: bf16 keys and values. */
    public static final KvScheme BF16 =
            new KvScheme(FULL_PRECISION_BITS, FULL_PRECISION_BITS, 0, 0);

    public KvScheme {
        boolean full = keyBits == FULL_PRECISION_BITS && valueBits == FULL_PRECISION_BITS;
        if (full) {
            if (group != 0 || residual != 0)
                throw new IllegalArgumentException(
                        "a bf16 head has no group or residual, got group "
                                + group
                                + ", residual "
                                + residual);
        } else {
            if (!isKiviWidth(keyBits) || !isKiviWidth(valueBits))
                throw new IllegalArgumentException(
                        "KIVI key and value bits are 2, 4 or 8 (or both 16 for bf16), got keys "
                                + keyBits
                                + ", values "
                                + valueBits);
            if (group < 1)
                throw new IllegalArgumentException("KIVI group must be >= 1, got " + group);
            if (residual < 0 || residual % group != 0)
                throw new IllegalArgumentException(
                        "KIVI residual must be a multiple of the group ("
                                + group
                                + "), got "
                                + residual);
        }
    }

    /** Keys and values at the same width, as KIVI publishes it. */
    public static KvScheme kivi(int bits, int group, int residual) {
        return new KvScheme(bits, bits, group, residual);
    }

    /** bf16 at 16 bits, else {@link #kivi(int, int, int)}. */
    public static KvScheme of(int bits, int group, int residual) {
        return bits == FULL_PRECISION_BITS ? BF16 : kivi(bits, group, residual);
    }

    public static boolean isKiviWidth(int bits) {
        return bits == 2 || bits == 4 || bits == 8;
    }

    public boolean isFullPrecision() {
        return keyBits == FULL_PRECISION_BITS;
    }

    /** Keys and values at one width. */
    public boolean isUniform() {
        return keyBits == valueBits;
    }

    /** Channels per value group for a head of width headDim: a group never spans two rows. */
    public int valueGroup(int headDim) {
        return Math.min(group, headDim);
    }

    /** Mean code bits per element, for reports: (keyBits + valueBits) / 2. */
    public double meanBits() {
        return (keyBits + valueBits) / 2.0;
    }

    /** A short name for reports and labels: {@code bf16}, {@code k4v2-g64-r0}. */
    public String label() {
        if (isFullPrecision()) return "bf16";
        return (isUniform() ? "b" + keyBits : "k" + keyBits + "v" + valueBits)
                + "-g"
                + group
                + "-r"
                + residual;
    }
}
