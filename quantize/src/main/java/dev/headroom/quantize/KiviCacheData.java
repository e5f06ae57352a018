package dev.headroom.quantize;

/**
 * A KIVI-quantized KV cache in host memory, laid out as attention/gpu's kivi_decode.cu reads it
 * (see there), with the dequantized view the reference uses. Plain Java: the GPU module uploads the
 * arrays as they are. Keys: per channel over groups of {@link #KEY_GROUP} tokens; values: per token
 * over groups of {@link #VALUE_GROUP} channels; x = code * scale + zero with bf16 scale and zero;
 * the newest {@code residual} tokens stay bf16.
 */
public final class KiviCacheData {
    public static final int KEY_GROUP = 32;
    public static final int VALUE_GROUP = 32;

    private final int bits, kvHeads, headDim, quantized, residual;
    private final int[] keyCodes,
            valueCodes; // [kvHeads][quantized][words], bit order as in kivi_decode.cu
    private final short[] keyScale, keyZero; // [kvHeads][quantized / KEY_GROUP][headDim]
    private final short[] valueScale, valueZero; // [kvHeads][quantized][headDim / VALUE_GROUP]
    private final short[] keyResidual, valueResidual; // [kvHeads][residual][headDim]

    KiviCacheData(
            int bits,
            int kvHeads,
            int headDim,
            int quantized,
            int residual,
            int[] keyCodes,
            short[] keyScale,
            short[] keyZero,
            int[] valueCodes,
            short[] valueScale,
            short[] valueZero,
            short[] keyResidual,
            short[] valueResidual) {
        this.bits = bits;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.quantized = quantized;
        this.residual = residual;
        this.keyCodes = keyCodes;
        this.keyScale = keyScale;
        this.keyZero = keyZero;
        this.valueCodes = valueCodes;
        this.valueScale = valueScale;
        this.valueZero = valueZero;
        this.keyResidual = keyResidual;
        this.valueResidual = valueResidual;
    }

    public int bits() {
        return bits;
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

    /** Key scales, [kvHeads][quantized / KEY_GROUP][headDim] bf16. */
    public short[] keyScale() {
        return keyScale;
    }

    public short[] keyZero() {
        return keyZero;
    }

    /** Value codes, [kvHeads][quantized][words] (tokens in pairs). */
    public int[] valueCodes() {
        return valueCodes;
    }

    /** Value scales, [kvHeads][quantized][headDim / VALUE_GROUP] bf16. */
    public short[] valueScale() {
        return valueScale;
    }

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
        return headDim * bits / 32;
    }

    /**
     * Bit position of a code inside its word: the low half holds one member of a pair, the high
     * half the other.
     */
    private int bit(int pairMember, int index) {
        return pairMember * 16 + index * bits;
    }

    /**
     * Keys: word j of a token holds channel pairs (2i, 2i + 1) of channels [2h j, 2h (j + 1)), h =
     * 16 / bits.
     */
    static int keyWord(int kvHead, int quantized, int words, int token, int channel, int bits) {
        return (kvHead * quantized + token) * words + channel / (32 / bits);
    }

    int keyCode(int kvHead, int token, int channel) {
        int half = 16 / bits;
        int word = keyCodes[keyWord(kvHead, quantized, words(), token, channel, bits)];
        return (word >>> bit(channel % 2, channel % (2 * half) / 2)) & ((1 << bits) - 1);
    }

    /**
     * Values: tokens in pairs; word j of a pair holds channels [h j, h (j + 1)) of both tokens, h =
     * 16 / bits.
     */
    static int valueWord(int kvHead, int quantized, int words, int token, int channel, int bits) {
        return (kvHead * quantized / 2 + token / 2) * 2 * words + channel / (16 / bits);
    }

    int valueCode(int kvHead, int token, int channel) {
        int half = 16 / bits;
        int word = valueCodes[valueWord(kvHead, quantized, words(), token, channel, bits)];
        return (word >>> bit(token % 2, channel % half)) & ((1 << bits) - 1);
    }

    /** Dequantized keys of a head then its residual, [quantized + residual][headDim]. */
    public float[] keys(int kvHead) {
        float[] out = new float[(quantized + residual) * headDim];
        for (int t = 0; t < quantized; t++) {
            for (int c = 0; c < headDim; c++) {
                int g = (kvHead * (quantized / KEY_GROUP) + t / KEY_GROUP) * headDim + c;
                out[t * headDim + c] =
                        keyCode(kvHead, t, c) * Bf16.toFloat(keyScale[g])
                                + Bf16.toFloat(keyZero[g]);
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
        int groups = headDim / VALUE_GROUP;
        for (int t = 0; t < quantized; t++) {
            for (int c = 0; c < headDim; c++) {
                int g = (kvHead * quantized + t) * groups + c / VALUE_GROUP;
                out[t * headDim + c] =
                        valueCode(kvHead, t, c) * Bf16.toFloat(valueScale[g])
                                + Bf16.toFloat(valueZero[g]);
            }
        }
        for (int i = 0; i < residual * headDim; i++) {
            out[quantized * headDim + i] =
                    Bf16.toFloat(valueResidual[kvHead * residual * headDim + i]);
        }
        return out;
    }
}
