package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * A linearized head's cache: the sink + ring window of its exact part ({@link SinkRingKvCache}),
 * plus the state of its linear part, S = sum phi(k) v^T [B, n, F, hd] and z = sum phi(k) [B, n, F]
 * over the positions [sink, foldedEnd) that have left the window. {@link HybridLinearKernel} folds
 * keys into the state before the ring overwrites them, so nothing here grows with the length.
 */
final class HybridLinearKvCache extends SinkRingKvCache {
    private NDArray state, norm; // null until the first fold
    private int foldedEnd;
    private HybridLinearKernel.Weights weights;
    private boolean ownsWeights;

    HybridLinearKvCache(
            HeadPattern pattern, HybridLinearFormat format, int[] kvHeads, int headDim) {
        super(pattern, format, kvHeads, headDim, null);
        this.foldedEnd = pattern.sink();
    }

    HedgehogMaps maps() {
        return ((HybridLinearFormat) format).maps();
    }

    /** Weights given from outside (the linearize stage's trainable parameters), not owned. */
    void useWeights(HybridLinearKernel.Weights given) {
        this.weights = given;
        this.ownsWeights = false;
    }

    /** The feature maps as NDArrays, made from the format's maps on first use. */
    HybridLinearKernel.Weights weights(NDManager m) {
        if (weights == null) {
            HedgehogMaps h = maps();
            int g = h.group(), hd = h.headDim(), f = h.columns();
            float[] q = new float[g * hd * f], k = new float[hd * f];
            for (int i = 0; i < g; i++)
                for (int d = 0; d < hd; d++)
                    System.arraycopy(h.queryMaps()[i][d], 0, q, (i * hd + d) * f, f);
            for (int d = 0; d < hd; d++) System.arraycopy(h.keyMap()[d], 0, k, d * f, f);
            weights =
                    new HybridLinearKernel.Weights(
                            own(m.create(q, new Shape(g, hd, f))),
                            own(m.create(k, new Shape(hd, f))),
                            own(m.create(h.gamma(), new Shape(g))));
            ownsWeights = true;
        }
        return weights;
    }

    /** Positions [sink, foldedEnd) are in the state. */
    int foldedEnd() {
        return foldedEnd;
    }

    /** The state S, or null before anything was folded. */
    NDArray state() {
        return state;
    }

    NDArray norm() {
        return norm;
    }

    /** Keeps the state after a call (detached from autograd, owned by the cache). */
    void keepState(NDArray s, NDArray z, int end) {
        if (s != state) {
            if (state != null) state.close();
            if (norm != null) norm.close();
            state = own(s.stopGradient());
            norm = own(z.stopGradient());
        }
        foldedEnd = end;
    }

    @Override
    public void close() {
        super.close();
        if (state != null) state.close();
        if (norm != null) norm.close();
        state = norm = null;
        if (ownsWeights && weights != null) {
            weights.queryMaps().close();
            weights.keyMap().close();
            weights.gamma().close();
        }
        weights = null;
    }
}
