package dev.headroom.attention.gpu;

/**
 * The shape of one attention call, batch folded into heads: {@code heads} query heads share {@code
 * kvHeads} KV heads (GQA; query head h reads KV head h / (heads / kvHeads)); {@code length} tokens;
 * {@code headDim} 64 or 128.
 */
public record AttentionShape(int heads, int kvHeads, int length, int headDim) {
    public AttentionShape {
        if (headDim != 64 && headDim != 128)
            throw new IllegalArgumentException("head dim must be 64 or 128: " + headDim);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    heads + " query heads do not split into " + kvHeads + " KV heads");
        }
        if (heads >= 1 << 15) throw new IllegalArgumentException("too many heads: " + heads);
        if (length <= 0) throw new IllegalArgumentException("length must be positive: " + length);
    }

    public int group() {
        return heads / kvHeads;
    }

    /** Elements of q or out ([heads][length][headDim]). */
    public long queryElements() {
        return (long) heads * length * headDim;
    }

    /** Elements of k or v ([kvHeads][length][headDim]). */
    public long kvElements() {
        return (long) kvHeads * length * headDim;
    }

    /** softmax scale 1/sqrt(d) times log2(e): the kernels work in base 2. */
    public float scaleLog2() {
        return (float) (1.0 / Math.sqrt(headDim) / Math.log(2.0));
    }
}
