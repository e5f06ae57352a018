package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;

/**
 * Sees each layer's softmaxed attention. The profile stage uses it to read probabilities and,
 * through a zero-valued probe added to them, their gradients with respect to a loss ({@code
 * GradientProbe}).
 */
public interface AttentionObserver {

    /**
     * @param probs [B, KV, G, T, S]: KV head, query head within its group, query, key (S cached
     *     keys)
     * @return the probabilities the layer goes on with: {@code probs} itself, or {@code probs +
     *     probe}
     */
    default NDArray onProbabilities(int layer, NDArray probs, int pos0) {
        return probs;
    }

    AttentionObserver NONE = new AttentionObserver() {};
}
