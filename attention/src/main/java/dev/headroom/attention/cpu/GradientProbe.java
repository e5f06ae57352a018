package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.Map;

/**
 * Returns each layer's attention probabilities A and, after a backward pass, G = dL/dA. It adds a
 * zero tensor that requires a gradient to A (so the forward values are unchanged and the graph
 * stays whole); the zero tensor's gradient is exactly dL/dA. Use it inside a {@code
 * GradientCollector} over one forward pass.
 */
public final class GradientProbe implements AttentionObserver {
    private final Map<Integer, NDArray> probabilities = new HashMap<>();
    private final Map<Integer, NDArray> probes = new HashMap<>();

    @Override
    public NDArray onProbabilities(int layer, NDArray probs, int pos0) {
        NDArray zero = probs.zerosLike();
        zero.setRequiresGradient(true);
        NDArray seen = probs.stopGradient();
        NDScope.unregister(zero, seen);
        probabilities.put(layer, seen);
        probes.put(layer, zero);
        return probs.add(zero);
    }

    /** A of a layer: [B, KV, G, T, S]. */
    public NDArray probabilities(int layer) {
        return probabilities.get(layer);
    }

    /** dL/dA of a layer after backward: [B, KV, G, T, S]. */
    public NDArray gradient(int layer) {
        return probes.get(layer).getGradient();
    }

    /** Frees what the probe kept. */
    public void clear() {
        probabilities.values().forEach(NDArray::close);
        probes.values().forEach(NDArray::close);
        probabilities.clear();
        probes.clear();
    }
}
