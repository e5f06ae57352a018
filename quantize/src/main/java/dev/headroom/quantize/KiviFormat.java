package dev.headroom.quantize;

import dev.headroom.attention.cache.KvFormat;

/**
 * The KIVI cache format as {@link KiviQuantizer} packs it: {@code bits}-bit codes, bf16 scale and
 * zero per key channel over {@link KiviCacheData#KEY_GROUP} tokens and per token over {@link
 * KiviCacheData#VALUE_GROUP} value channels, and at least {@code minResidual} newest tokens
 * (rounded up to whole key groups) kept in bf16.
 */
public record KiviFormat(int bits, int minResidual) implements KvFormat {
    public KiviFormat {
        if (bits != 2 && bits != 4)
            throw new IllegalArgumentException("KIVI bits must be 2 or 4: " + bits);
        if (minResidual < 0)
            throw new IllegalArgumentException("negative residual: " + minResidual);
    }

    @Override
    public String name() {
        return "kivi" + bits;
    }

    /**
     * Tokens of a cache of {@code tokens} that are quantized: whole key groups that leave
     * minResidual newest.
     */
    public long quantizedTokens(long tokens) {
        return Math.max(0, tokens - minResidual)
                / KiviCacheData.KEY_GROUP
                * KiviCacheData.KEY_GROUP;
    }

    @Override
    public long bytes(long tokens, int headDim) {
        long q = quantizedTokens(tokens), residual = tokens - q;
        long codes = 2 * q * headDim * bits / 8;
        long keyScales = 2L * 2 * q / KiviCacheData.KEY_GROUP * headDim;
        long valueScales = 2L * 2 * q * (headDim / KiviCacheData.VALUE_GROUP);
        return codes + keyScales + valueScales + 2L * 2 * residual * headDim;
    }
}
