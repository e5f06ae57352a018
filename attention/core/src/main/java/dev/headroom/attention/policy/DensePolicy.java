package dev.headroom.attention.policy;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.pattern.HeadPattern;

/** Full causal softmax attention (with the model's own sliding window, where it has one). */
public final class DensePolicy implements AttentionPolicy {
    private final FullPrecisionKv format;

    /**
     * @param cacheBytesPerElement 2 for a bf16 cache as served, 4 for fp32
     */
    public DensePolicy(int cacheBytesPerElement) {
        this.format = new FullPrecisionKv(cacheBytesPerElement);
    }

    public DensePolicy() {
        this(2);
    }

    @Override
    public String name() {
        return "dense";
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        return LayerAttention.uniform(context.config().numKvHeads(), HeadPattern.full(), format);
    }
}
