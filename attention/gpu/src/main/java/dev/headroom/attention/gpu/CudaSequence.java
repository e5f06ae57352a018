package dev.headroom.attention.gpu;

import dev.headroom.attention.runtime.RuntimeSequence;

/** A sequence on the CUDA runtime: its KV caches on the device and the position reached. */
final class CudaSequence implements RuntimeSequence {
    private final CudaModel model;
    private final CudaKvState state;
    private boolean closed;

    CudaSequence(CudaModel model, CudaKvState state) {
        this.model = model;
        this.state = state;
    }

    @Override
    public float[] prefill(int[] ids) {
        return model.run(ids, state, false)[0];
    }

    @Override
    public float[][] prefillAll(int[] ids) {
        return model.run(ids, state, true);
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

    /** Device bytes this sequence's caches take (allocated fp32 slots). */
    public long deviceCacheBytes() {
        return state.deviceBytes();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.release(state);
        }
    }
}
