package dev.headroom.attention.model;

import dev.headroom.attention.checkpoint.DType;

/**
 * A decoder-only transformer's shape, read from {@code config.json}. Immutable; weights and runtime
 * state live elsewhere ({@link Weights}, {@code InferenceState}).
 *
 * @param qkvBias q/k/v projections carry biases (Qwen2; Llama with attention_bias)
 * @param outputBias the output projection carries a bias (Llama with attention_bias)
 * @param slidingWindow Mistral's attention window in tokens, including the current one; 0 when
 *     unlimited
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositions,
        double rmsNormEps,
        RopeConfig rope,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        int slidingWindow,
        int bosTokenId,
        int eosTokenId,
        DType storedDtype)
        implements java.io.Serializable {

    /** Query heads per KV head (the GQA group size). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public long parameterCount() {
        long d = hiddenSize, q = (long) numHeads * headDim, kv = (long) numKvHeads * headDim;
        long attn = d * q + 2 * d * kv + q * d + (qkvBias ? q + 2 * kv : 0) + (outputBias ? d : 0);
        long mlp = 3L * d * intermediateSize;
        long perLayer = attn + mlp + 2 * d;
        long embed = (long) vocabSize * d;
        return numLayers * perLayer + embed + d + (tieWordEmbeddings ? 0 : embed);
    }

    /** Bytes of keys plus values that one token adds to a dense cache stored in {@code dtype}. */
    public long kvBytesPerToken(DType dtype) {
        return 2L * numLayers * numKvHeads * headDim * dtype.bytes();
    }

    public ModelConfig withStoredDtype(DType d) {
        return new ModelConfig(
                architecture,
                vocabSize,
                hiddenSize,
                intermediateSize,
                numLayers,
                numHeads,
                numKvHeads,
                headDim,
                maxPositions,
                rmsNormEps,
                rope,
                tieWordEmbeddings,
                qkvBias,
                outputBias,
                slidingWindow,
                bosTokenId,
                eosTokenId,
                d);
    }
}
