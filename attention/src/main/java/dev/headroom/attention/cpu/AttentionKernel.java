package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;

/**
 * How a group of KV heads turns queries, the new keys and values, and what their cache holds into
 * attention outputs on the CPU. {@link SoftmaxAttentionKernel} is exact softmax attention; a linear
 * or hybrid kernel plugs in here. Showing probabilities to an {@link AttentionObserver} is
 * optional: a kernel that cannot refuses with one clear message instead of returning nothing.
 */
interface AttentionKernel {

    /**
     * @param q [B, n, G, T, hd] queries at positions pos0 .. pos0+T-1, rotated
     * @param k [B, n, T, hd] keys of the same positions, rotated; v likewise
     * @param cache what the group's cache holds before this call (the caller appends k and v
     *     afterwards)
     * @return [B, n, G, T, hd]
     */
    NDArray attend(
            int layer,
            NDArray q,
            NDArray k,
            NDArray v,
            int pos0,
            NdKvCache cache,
            AttentionObserver observer);

    /**
     * The kernel for a group of heads with this cache: hybrid softmax + linear attention for a
     * linearized head's cache, exact softmax for every other pattern and format.
     */
    static AttentionKernel forCache(NdKvCache cache) {
        if (cache instanceof HybridLinearKvCache) return HybridLinearKernel.INSTANCE;
        return SoftmaxAttentionKernel.INSTANCE;
    }
}
