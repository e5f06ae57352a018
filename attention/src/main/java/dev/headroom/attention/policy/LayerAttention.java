package dev.headroom.attention.policy;

import ai.djl.ndarray.NDArray;

/**
 * How one layer attends, and what it keeps of past keys and values. One instance per layer per sequence: it owns
 * that layer's KV cache. Implementations decide per KV head (dense, sink + window, quantized, linear, GPU).
 */
public interface LayerAttention extends AutoCloseable {

    /**
     * Adds the new keys and values to the cache and attends the new queries over it.
     *
     * @param q    [B, H, T, hd] queries at absolute positions pos0 .. pos0+T-1, already rotated
     * @param k    [B, KV, T, hd] keys of the same positions, already rotated
     * @param v    [B, KV, T, hd] values
     * @param pos0 absolute position of the first new token (the number of tokens already cached)
     * @return [B, H, T, hd] attention output per query head
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, int pos0, AttentionObserver observer);

    /** Bytes of keys and values this layer holds now, counted as the method stores them (not as the CPU does). */
    long cacheBytes();

    /** Causal query-key pairs computed so far, and the pairs a dense causal layer would have computed. */
    default long[] pairsComputedAndCausal() {
        return new long[] {0, 0};
    }

    @Override
    default void close() {
    }
}
