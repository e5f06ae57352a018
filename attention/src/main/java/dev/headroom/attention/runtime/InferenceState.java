package dev.headroom.attention.runtime;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.LayerAttention;

/** The mutable part of a running sequence: each layer's attention with its KV cache, and the position reached. */
public final class InferenceState implements AutoCloseable {
    private final LayerAttention[] layers;
    private final AttentionPolicy policy;
    private int position;

    /** @param promptLength the input length, for policies whose spans scale with it */
    public InferenceState(ModelConfig config, AttentionPolicy policy, int promptLength) {
        this.policy = policy;
        this.layers = new LayerAttention[config.numLayers()];
        for (int l = 0; l < layers.length; l++) layers[l] = policy.forLayer(config, l, promptLength);
    }

    public LayerAttention layer(int l) {
        return layers[l];
    }

    public AttentionPolicy policy() {
        return policy;
    }

    /** Tokens processed so far: the position of the next token. */
    public int position() {
        return position;
    }

    void advance(int tokens) {
        position += tokens;
    }

    /** KV-cache bytes held by all layers now. */
    public long cacheBytes() {
        long sum = 0;
        for (LayerAttention l : layers) sum += l.cacheBytes();
        return sum;
    }

    /** The fraction of causal query-key pairs computed so far (1.0 for dense attention). */
    public double density() {
        long done = 0, causal = 0;
        for (LayerAttention l : layers) {
            long[] p = l.pairsComputedAndCausal();
            done += p[0];
            causal += p[1];
        }
        return causal == 0 ? 1.0 : (double) done / causal;
    }

    @Override
    public void close() {
        for (LayerAttention l : layers) l.close();
    }
}
