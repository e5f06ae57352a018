package dev.headroom.quantize;

/**
 * A KIVI-quantized KV cache in host memory, laid out as attention/gpu's kivi_decode.cu reads it
 * (see {@link KiviGroups} for the bit layout), with the dequantized view the reference uses. Plain
 * Java: the GPU module uploads the arrays as they are. Keys: per channel over groups of {@link
 * #group()} tokens; values: per token over groups of {@link #group()} channels; x = code * scale +
 * min with fp16 scale and min; the newest {@code residual} tokens stay bf16.
 */
public final class KiviCacheData {
    /** The group size the GPU kernel reads (keys and values). */
    public static final int KEY_GROUP = 32;

    public static final int VALUE_GROUP = 32;

    private final int bits, group, kvHeads, headDim, quantized, residual;
    private final int[] keyCodes, valueCodes; // [kvHeads][quantized][words]
    private final short[] keyScale, keyZero; // [kvHeads][quantized / group][headDim] fp16
    private final short[] valueScale, valueZero; // [kvHeads][quantized][headDim / group] fp16
    private final short[] keyResidual, valueResidual; // [kvHeads][residual][headDim] bf16

    /**
     * @param codes {keyCodes, valueCodes}
     * @param scales {keyScale, keyZero, valueScale, valueZero}
     * @param residuals {keyResidual, valueResidual}
     */
    KiviCacheData(
            int bits,
            int group,
            int kvHeads,
            int headDim,
            int quantized,
            int residual,
            int[][] codes,
            short[][] scales,
            short[][] residuals) {
        this.bits = bits;
        this.group = group;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.quantized = quantized;
        this.residual = residual;
        this.keyCodes = codes[0];
        this.valueCodes = codes[1];
        this.keyScale = scales[0];
        this.keyZero = scales[1];
        this.valueScale = scales[2];
        this.valueZero = scales[3];
        this.keyResidual = residuals[0];
        this.valueResidual = residuals[1];
    }

    public int bits() {
        return bits;
    }

    public int group() {
        return group;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int quantizedTokens() {
        return quantized;
    }

    public int residualTokens() {
        return residual;
    }

    // The packed arrays, not copied (they can be large): read them, do not modify them.

    /** Key codes, [kvHeads][quantized][words]. */
    public int[] keyCodes() {
        return keyCodes;
    }

    /** Key scales, [kvHeads][quantized / group][headDim] fp16. */
    public short[] keyScale() {
        return keyScale;
    }

    /** Key minimums, fp16, as the scales. */
    public short[] keyZero() {
        return keyZero;
    }

    /** Value codes, [kvHeads][quantized / 2][2 * words] (tokens in pairs). */
    public int[] valueCodes() {
        return valueCodes;
    }

    /** Value scales, [kvHeads][quantized][headDim / group] fp16. */
    public short[] valueScale() {
        return valueScale;
    }

    /** Value minimums, fp16, as the scales. */
    public short[] valueZero() {
        return valueZero;
    }

    /** The newest tokens in bf16, [kvHeads][residual][headDim]. */
    public short[] keyResidual() {
        return keyResidual;
    }

    public short[] valueResidual() {
        return valueResidual;
    }

    /** 32-bit words per token row. */
    int words() {
        return KiviGroups.keyWords(headDim, bits);
    }

    int keyCode(int kvHead, int token, int channel) {
        return KiviGroups.keyCode(keyCodes, (kvHead * quantized + token) * words(), channel, bits);
    }

    int valueCode(int kvHead, int token, int channel) {
        int halves = 2 * words(), perHalf = 16 / bits;
        int word = valueCodes[(kvHead * quantized / 2 + token / 2) * halves + channel / perHalf];
        return (word >>> (token % 2 * 16 + channel % perHalf * bits)) & KiviGroups.levels(bits);
    }

    /** Dequantized keys of a head then its residual, [quantized + residual][headDim]. */
    public float[] keys(int kvHead) {
        float[] out = new float[(quantized + residual) * headDim];
        for (int t = 0; t < quantized; t++) {
            for (int c = 0; c < headDim; c++) {
                int g = (kvHead * (quantized / group) + t / group) * headDim + c;
                out[t * headDim + c] =
                        KiviGroups.dequantize(keyCode(kvHead, t, c), keyScale[g], keyZero[g]);
            }
        }
        for (int i = 0; i < residual * headDim; i++) {
            out[quantized * headDim + i] =
                    Bf16.toFloat(keyResidual[kvHead * residual * headDim + i]);
        }
        return out;
    }

    /** Dequantized values of a head then its residual, [quantized + residual][headDim]. */
    public float[] values(int kvHead) {
        float[] out = new float[(quantized + residual) * headDim];
        int groups = headDim / group;
        for (int t = 0; t < quantized; t++) {
            for (int c = 0; c < headDim; c++) {
                int g = (kvHead * quantized + t) * groups + c / group;
                out[t * headDim + c] =
                        KiviGroups.dequantize(valueCode(kvHead, t, c), valueScale[g], valueZero[g]);
            }
        }
        for (int i = 0; i < residual * headDim; i++) {
            out[quantized * headDim + i] =
                    Bf16.toFloat(valueResidual[kvHead * residual * headDim + i]);
        }
        return out;
    }
}
