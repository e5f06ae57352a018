package dev.headroom.quantize;

/**
 * KIVI quantization on the CPU (Liu et al. 2024): keys per channel over token groups, values per
 * token over channel groups, asymmetric min/max, the newest tokens kept in bf16. The GPU only reads
 * the result.
 */
public final class KiviQuantizer {
    private KiviQuantizer() {}

    /**
     * Quantizes a cache of {@code tokens} tokens. k, v: bf16 [kvHeads][tokens][headDim]. All
     * complete groups of {@link KiviCacheData#KEY_GROUP} tokens that leave at least {@code
     * minResidual} newest tokens are quantized; the rest stay bf16.
     */
    public static KiviCacheData quantize(
            short[] k, short[] v, int kvHeads, int tokens, int headDim, int bits, int minResidual) {
        if (bits != 2 && bits != 4)
            throw new IllegalArgumentException("KIVI bits must be 2 or 4: " + bits);
        final int kg = KiviCacheData.KEY_GROUP, vg = KiviCacheData.VALUE_GROUP;
        int quantized = Math.max(0, tokens - minResidual) / kg * kg;
        int residual = tokens - quantized;
        int words = headDim * bits / 32, levels = (1 << bits) - 1;
        int[] keyCodes = new int[kvHeads * quantized * words],
                valueCodes = new int[kvHeads * quantized * words];
        short[] keyScale = new short[kvHeads * (quantized / kg) * headDim],
                keyZero = new short[keyScale.length];
        short[] valueScale = new short[kvHeads * quantized * (headDim / vg)],
                valueZero = new short[valueScale.length];
        short[] keyResidual = new short[kvHeads * residual * headDim],
                valueResidual = new short[keyResidual.length];
        float[] group = new float[Math.max(kg, vg)];
        short[] sz = new short[2];
        for (int h = 0; h < kvHeads; h++) {
            for (int g = 0;
                    g < quantized / kg;
                    g++) { // keys: one (scale, zero) per channel per token group
                for (int c = 0; c < headDim; c++) {
                    for (int i = 0; i < kg; i++)
                        group[i] = Bf16.toFloat(k[(h * tokens + g * kg + i) * headDim + c]);
                    scaleAndZero(group, kg, levels, sz);
                    int at = (h * (quantized / kg) + g) * headDim + c;
                    keyScale[at] = sz[0];
                    keyZero[at] = sz[1];
                    for (int i = 0; i < kg; i++) {
                        int token = g * kg + i;
                        keyCodes[KiviCacheData.keyWord(h, quantized, words, token, c, bits)] |=
                                code(group[i], sz, levels)
                                        << (c % 2 * 16 + c % (32 / bits) / 2 * bits);
                    }
                }
            }
            for (int t = 0;
                    t < quantized;
                    t++) { // values: one (scale, zero) per token per channel group
                for (int cg = 0; cg < headDim / vg; cg++) {
                    for (int i = 0; i < vg; i++)
                        group[i] = Bf16.toFloat(v[(h * tokens + t) * headDim + cg * vg + i]);
                    scaleAndZero(group, vg, levels, sz);
                    int at = (h * quantized + t) * (headDim / vg) + cg;
                    valueScale[at] = sz[0];
                    valueZero[at] = sz[1];
                    for (int i = 0; i < vg; i++) {
                        int c = cg * vg + i;
                        valueCodes[KiviCacheData.valueWord(h, quantized, words, t, c, bits)] |=
                                code(group[i], sz, levels) << (t % 2 * 16 + c % (16 / bits) * bits);
                    }
                }
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
                kvHeads,
                headDim,
                quantized,
                residual,
                keyCodes,
                keyScale,
                keyZero,
                valueCodes,
                valueScale,
                valueZero,
                keyResidual,
                valueResidual);
    }

    /** bf16 scale = (max - min) / levels and zero = min; a constant group gets scale 0. */
    private static void scaleAndZero(float[] x, int n, int levels, short[] out) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        out[0] = Bf16.fromFloat((max - min) / levels);
        out[1] = Bf16.fromFloat(min);
    }

    /** The code whose dequantized value, with the stored bf16 scale and zero, is nearest to x. */
    static int code(float x, short[] scaleZero, int levels) {
        float scale = Bf16.toFloat(scaleZero[0]), zero = Bf16.toFloat(scaleZero[1]);
        if (scale == 0) return 0;
        int q = Math.round((x - zero) / scale);
        return Math.max(0, Math.min(levels, q));
    }
}
