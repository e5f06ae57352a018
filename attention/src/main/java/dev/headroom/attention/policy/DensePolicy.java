package dev.headroom.attention.policy;

import dev.headroom.attention.model.ModelConfig;

/** Full causal softmax attention (with the model's own sliding window, where it has one). */
public final class DensePolicy implements AttentionPolicy {
    private final int cacheBytesPerElement;

    /** @param cacheBytesPerElement 2 for a bf16 cache as served, 4 for fp32 */
    public DensePolicy(int cacheBytesPerElement) {
        this.cacheBytesPerElement = cacheBytesPerElement;
    }

    public DensePolicy() {
        this(2);
    }

    @Override
    public String name() {
        return "dense";
    }

    @Override
    public LayerAttention forLayer(ModelConfig config, int layer, int promptLength) {
        int kv = config.numKvHeads();
        return new SinkWindowAttention(config, layer, new int[kv], new int[kv], cacheBytesPerElement);
    }
}
