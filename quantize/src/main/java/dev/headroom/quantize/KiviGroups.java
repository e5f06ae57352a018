package dev.headroom.quantize;

/**
 * KIVI's asymmetric group quantization and its bit packing, the one implementation both backends
 * use: the CPU cache quantizes with it as tokens arrive, and {@link KiviQuantizer} packs a whole
 * cache with it for the GPU kernel.
 *
 * <p>For a group with minimum m and maximum M, {@code scale = (M - m) / (2^b - 1)} and {@code q =
 * clamp(round((x - min) / scale), 0, 2^b - 1)}; x is restored as {@code q * scale + min}. The scale
 * and minimum are stored in fp16, the minimum rounded down and the scale up so that the stored grid
 * covers [m, M]: every element is then within half a stored step of its code.
 *
 * <p>Bit layout (what {@code kivi_decode.cu} reads): a key row of one token is {@code headDim * b /
 * 32} 32-bit words; channel c sits in word {@code c / (32 / b)} at bit {@code (c % 2) * 16 + (c %
 * (32 / b)) / 2 * b}. A value row is {@code 2 * headDim * b / 32} 16-bit halves; channel c sits in
 * half {@code c / (16 / b)} at bit {@code (c % (16 / b)) * b}, and two consecutive tokens share
 * words, the even token in the low halves.
 */
public final class KiviGroups {
    private KiviGroups() {}

    /** fp16 {scale, min} of elements x[off + i * stride], i < n. */
    public static void fit(float[] x, int off, int stride, int n, int bits, short[] out) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i * stride];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        short min16 = Fp16.floor(min);
        float range = max - Fp16.toFloat(min16);
        out[0] = range == 0 ? 0 : Fp16.ceil(range / levels(bits));
        out[1] = min16;
    }

    public static int levels(int bits) {
        return (1 << bits) - 1;
    }

    /** The code of x under a stored scale and min: the nearest grid point, clamped. */
    public static int code(float x, short scale, short min, int bits) {
        float s = Fp16.toFloat(scale);
        if (s == 0) return 0;
        int q = Math.round((x - Fp16.toFloat(min)) / s);
        return Math.max(0, Math.min(levels(bits), q));
    }

    public static float dequantize(int code, short scale, short min) {
        return code * Fp16.toFloat(scale) + Fp16.toFloat(min);
    }

    /** 32-bit words of one packed key row (the last one partly used when they do not fill it). */
    public static int keyWords(int headDim, int bits) {
        return (headDim * bits + 31) / 32;
    }

    /** 16-bit halves of one packed value row. */
    public static int valueHalves(int headDim, int bits) {
        return (headDim * bits + 15) / 16;
    }

    public static void checkShape(int headDim, int bits, int group) {
        if (headDim % group != 0)
            throw new IllegalArgumentException(
                    "head dim " + headDim + " is not a multiple of the value group " + group);
    }

    /**
     * Quantizes keys rows[t * headDim + c] (t < tokens, one key group) per channel, writing the
     * dequantized values back into rows, the packed codes into words[t * keyWords + j], and the
     * fp16 scale and min of channel c into scale[c] and min[c].
     */
    public static void quantizeKeyGroup(
            float[] rows,
            int tokens,
            int headDim,
            int bits,
            int[] words,
            short[] scale,
            short[] min) {
        int kw = keyWords(headDim, bits), perWord = 32 / bits;
        short[] sm = new short[2];
        java.util.Arrays.fill(words, 0, tokens * kw, 0);
        for (int c = 0; c < headDim; c++) {
            fit(rows, c, headDim, tokens, bits, sm);
            scale[c] = sm[0];
            min[c] = sm[1];
            int shift = c % 2 * 16 + c % perWord / 2 * bits;
            for (int t = 0; t < tokens; t++) {
                int q = code(rows[t * headDim + c], sm[0], sm[1], bits);
                words[t * kw + c / perWord] |= q << shift;
                rows[t * headDim + c] = dequantize(q, sm[0], sm[1]);
            }
        }
    }

    /**
     * Quantizes one value row[off .. off + headDim) per group of {@code group} channels, writing
     * the dequantized values back, the packed codes into halves[0 .. valueHalves), and each group's
     * fp16 scale and min into scale[g], min[g].
     */
    public static void quantizeValueRow(
            float[] row,
            int off,
            int headDim,
            int bits,
            int group,
            short[] halves,
            short[] scale,
            short[] min) {
        int perHalf = 16 / bits;
        short[] sm = new short[2];
        java.util.Arrays.fill(halves, 0, valueHalves(headDim, bits), (short) 0);
        for (int g = 0; g < headDim / group; g++) {
            fit(row, off + g * group, 1, group, bits, sm);
            scale[g] = sm[0];
            min[g] = sm[1];
            for (int i = 0; i < group; i++) {
                int c = g * group + i;
                int q = code(row[off + c], sm[0], sm[1], bits);
                halves[c / perHalf] |= (short) (q << (c % perHalf * bits));
                row[off + c] = dequantize(q, sm[0], sm[1]);
            }
        }
    }

    /** Channel c's code in a packed key row starting at words[off]. */
    public static int keyCode(int[] words, int off, int c, int bits) {
        int perWord = 32 / bits;
        return (words[off + c / perWord] >>> (c % 2 * 16 + c % perWord / 2 * bits)) & levels(bits);
    }

    /** Channel c's code in a packed value row starting at halves[off]. */
    public static int valueCode(short[] halves, int off, int c, int bits) {
        int perHalf = 16 / bits;
        return ((halves[off + c / perHalf] & 0xffff) >>> (c % perHalf * bits)) & levels(bits);
    }
}
