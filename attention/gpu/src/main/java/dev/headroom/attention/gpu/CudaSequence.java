package dev.headroom.attention.gpu;

import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;

/** A sequence on the CUDA runtime: its KV caches on the device and the position reached. */
public final class CudaSequence implements RuntimeSequence {
    private final CudaModel model;
    private final CudaKvState state;
    private final AttentionPolicy policy;
    private boolean closed;

    CudaSequence(CudaModel model, CudaKvState state, AttentionPolicy policy) {
        this.model = model;
        this.state = state;
        this.policy = policy;
    }

    @Override
    public float[] prefill(int[] ids) {
        return model.run(ids, state, false)[0];
    }

    @Override
    public float[][] prefillAll(int[] ids) {
        return model.run(ids, state, true);
    }

    CudaKvState state() {
        if (closed) throw new IllegalStateException("sequence closed");
        return state;
    }

    /** How this sequence's caches are stored. */
    public KvStorage storage() {
        return state.storage;
    }

    /**
     * A copy of this sequence (caches copied on the device) continuing under the same policy; a
     * fork under another policy is not supported.
     */
    @Override
    public CudaSequence fork(AttentionPolicy policy) {
        if (policy != this.policy)
            throw new UnsupportedOperationException(
                    "the CUDA runtime forks a sequence under its own policy only");
        return new CudaSequence(model, model.copy(state()), policy);
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

    /** Device bytes this sequence's caches take (allocated slots). */
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
