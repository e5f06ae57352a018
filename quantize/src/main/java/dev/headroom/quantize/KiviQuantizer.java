package dev.headroom.quantize;

/**
 * Packs a whole KIVI cache for the GPU's decode kernel (Liu et al. 2024), with {@link KiviGroups}'
 * quantization and bit layout: keys per channel over groups of {@code group} tokens, values per
 * token over groups of {@code group} channels, fp16 scales and minimums, the newest tokens kept in
 * bf16. The kernel reads one quantized length for keys and values, so values here are quantized in
 * step with the key groups.
 */
public final class KiviQuantizer {
    private KiviQuantizer() {}

    /** {@link #quantize(short[], short[], int, int, int, int, int, int)} with group 32. */
    public static KiviCacheData quantize(
            short[] k, short[] v, int kvHeads, int tokens, int headDim, int bits, int minResidual) {
        return quantize(k, v, kvHeads, tokens, headDim, bits, minResidual, KiviCacheData.KEY_GROUP);
    }

    /**
     * Quantizes a cache of {@code tokens} tokens. k, v: bf16 [kvHeads][tokens][headDim]. All
     * complete groups of {@code group} tokens that leave at least {@code minResidual} newest tokens
     * are quantized; the rest stay bf16.
     */
    public static KiviCacheData quantize(
            short[] k,
            short[] v,
            int kvHeads,
            int tokens,
            int headDim,
            int bits,
            int minResidual,
            int group) {
        if (bits != 2 && bits != 4 && bits != 8)
            throw new IllegalArgumentException("KIVI bits must be 2, 4 or 8: " + bits);
        KiviGroups.checkShape(headDim, bits, group);
        if (headDim * bits % 32 != 0)
            throw new IllegalArgumentException(
                    "the GPU layout needs whole words: head dim "
                            + headDim
                            + " at "
                            + bits
                            + " bits");
        int quantized = Math.max(0, tokens - minResidual) / group * group;
        int residual = tokens - quantized;
        int words = KiviGroups.keyWords(headDim, bits), halves = 2 * words;
        int groups = headDim / group;
        int[] keyCodes = new int[kvHeads * quantized * words],
                valueCodes = new int[kvHeads * quantized * words];
        short[] keyScale = new short[kvHeads * (quantized / group) * headDim],
                keyZero = new short[keyScale.length];
        short[] valueScale = new short[kvHeads * quantized * groups],
                valueZero = new short[valueScale.length];
        short[] keyResidual = new short[kvHeads * residual * headDim],
                valueResidual = new short[keyResidual.length];
        float[] block = new float[group * headDim];
        int[] blockWords = new int[group * words];
        short[] rowHalves = new short[halves];
        for (int h = 0; h < kvHeads; h++) {
            for (int g = 0; g < quantized / group; g++) {
                for (int i = 0; i < group * headDim; i++)
                    block[i] = Bf16.toFloat(k[(h * tokens + g * group) * headDim + i]);
                int at = (h * (quantized / group) + g) * headDim;
                short[] s = new short[headDim], z = new short[headDim];
                KiviGroups.quantizeKeyGroup(block, group, headDim, bits, blockWords, s, z);
                System.arraycopy(s, 0, keyScale, at, headDim);
                System.arraycopy(z, 0, keyZero, at, headDim);
                System.arraycopy(
                        blockWords,
                        0,
                        keyCodes,
                        (h * quantized + g * group) * words,
                        group * words);
            }
            float[] row = new float[headDim];
            short[] s = new short[groups], z = new short[groups];
            for (int t = 0; t < quantized; t++) {
                for (int c = 0; c < headDim; c++)
                    row[c] = Bf16.toFloat(v[(h * tokens + t) * headDim + c]);
                KiviGroups.quantizeValueRow(row, 0, headDim, bits, group, rowHalves, s, z);
                System.arraycopy(s, 0, valueScale, (h * quantized + t) * groups, groups);
                System.arraycopy(z, 0, valueZero, (h * quantized + t) * groups, groups);
                int pairBase = (h * quantized / 2 + t / 2) * halves;
                for (int j = 0; j < halves; j++)
                    valueCodes[pairBase + j] |= (rowHalves[j] & 0xffff) << (t % 2 * 16);
            }
            System.arraycopy(
                    k,
                    (h * tokens + quantized) * headDim,
                    keyResidual,
                    h * residual * headDim,
                    residual * headDim);
            System.arraycopy(
                    v,
                    (h * tokens + quantized) * headDim,
                    valueResidual,
                    h * residual * headDim,
                    residual * headDim);
        }
        return new KiviCacheData(
                bits,
                group,
                kvHeads,
                headDim,
                quantized,
                residual,
                new int[][] {keyCodes, valueCodes},
                new short[][] {keyScale, keyZero, valueScale, valueZero},
                new short[][] {keyResidual, valueResidual});
    }
}
