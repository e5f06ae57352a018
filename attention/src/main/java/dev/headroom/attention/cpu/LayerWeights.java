package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's parameters, in the checkpoint's [out, in] layout. Biases are null where the
 * family has none. D = hidden size, H/KV = query/KV heads, hd = head dim, F = MLP width.
 */
public record LayerWeights(
        NDArray attnNorm, // [D]
        NDArray wq, // [H*hd, D]
        NDArray bq, // [H*hd] or null
        NDArray wk, // [KV*hd, D]
        NDArray bk, // [KV*hd] or null
        NDArray wv, // [KV*hd, D]
        NDArray bv, // [KV*hd] or null
        NDArray wo, // [D, H*hd]
        NDArray bo, // [D] or null
        NDArray mlpNorm, // [D]
        NDArray wGate, // [F, D]
        NDArray wUp, // [F, D]
        NDArray wDown) { // [D, F]
}
