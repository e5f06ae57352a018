package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;

/**
 * A sequence on the DJL CPU runtime. Each call runs the forward pass in its own NDScope, so nothing
 * but the caches outlives it: memory stays bounded however many tokens are decoded.
 */
final class CpuSequence implements RuntimeSequence {
    private final LoadedModel model;
    private final InferenceState state;

    CpuSequence(LoadedModel model, InferenceState state) {
        this.model = model;
        this.state = state;
    }

    @Override
    public float[] prefill(int[] ids) {
        try (NDScope scope = new NDScope()) {
            return model.transformer()
                    .forward(model.idsArray(ids), state, AttentionObserver.NONE, true)
                    .toFloatArray(); // [1, 1, V]
        }
    }

    @Override
    public float[][] prefillAll(int[] ids) {
        int vocab = model.config().vocabSize();
        try (NDScope scope = new NDScope()) {
            NDArray logits =
                    model.transformer()
                            .forward(
                                    model.idsArray(ids),
                                    state,
                                    AttentionObserver.NONE,
                                    false); // [1, T, V]
            float[] flat = logits.toFloatArray();
            float[][] rows = new float[ids.length][vocab];
            for (int i = 0; i < ids.length; i++)
                System.arraycopy(flat, i * vocab, rows[i], 0, vocab);
            return rows;
        }
    }

    @Override
    public int position() {
        return state.position();
    }

    @Override
    public long cacheBytes() {
        return state.cacheBytes();
    }

    @Override
    public int heldTokens(int layer, int kvHead) {
        return state.heldTokens(layer, kvHead);
    }

    @Override
    public double density() {
        return state.density();
    }

    @Override
    public RuntimeSequence fork(AttentionPolicy policy) {
        try (NDScope scope = new NDScope()) {
            return new CpuSequence(model, state.fork(policy));
        }
    }

    @Override
    public float[][] cachedKeys(int layer, int kvHead) {
        try (NDScope scope = new NDScope()) {
            return state.cached(layer, kvHead, true);
        }
    }

    @Override
    public float[][] cachedValues(int layer, int kvHead) {
        try (NDScope scope = new NDScope()) {
            return state.cached(layer, kvHead, false);
        }
    }

    @Override
    public void recordQueries() {
        state.recordQueries();
    }

    @Override
    public float[][][] lastQueries(int layer) {
        return state.lastQueries(layer);
    }

    @Override
    public void close() {
        state.close();
    }
}
