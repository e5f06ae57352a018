package dev.headroom.attention.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.model.ModelConfig;

/**
 * Softmax attention where each KV head sees its first {@code sink[h]} tokens plus its {@code window[h]} most recent
 * ones (0 = every earlier token). With all windows 0 this is dense causal attention. The CPU cache keeps every key
 * for simplicity; {@link #cacheBytes()} counts what a compacted cache of this plan holds.
 */
public class SinkWindowAttention implements LayerAttention {
    /** Queries per chunk of a long prefill when nobody observes the probabilities. */
    static final int QUERY_CHUNK = 256;
    private final ModelConfig config;
    private final int layer;
    private final int[] sink;    // [KV]
    private final int[] window;  // [KV], 0 = unlimited
    private final int bytesPerElement;
    private NDArray keys;        // [B, KV, S, hd]
    private NDArray values;      // [B, KV, S, hd]
    private int cached;
    private long pairsComputed, pairsCausal;

    public SinkWindowAttention(ModelConfig config, int layer, int[] sink, int[] window, int bytesPerElement) {
        this.config = config;
        this.layer = layer;
        this.sink = sink.clone();
        this.window = window.clone();
        for (int h = 0; h < window.length; h++) this.window[h] = AttentionMask.combineWindows(window[h], config.slidingWindow());
        this.bytesPerElement = bytesPerElement;
    }

    @Override
    public NDArray attend(NDArray q, NDArray k, NDArray v, int pos0, AttentionObserver observer) {
        if (pos0 != cached) throw new IllegalStateException("layer " + layer + ": expected position " + cached + ", got " + pos0);
        keys = keep(keys == null ? k : NDArrays.concat(new NDList(keys, k), 2));
        values = keep(values == null ? v : NDArrays.concat(new NDList(values, v), 2));
        int t = (int) q.getShape().get(2);
        int s = pos0 + t;
        cached = s;
        long b = q.getShape().get(0);
        int kv = config.numKvHeads(), g = config.groupSize(), hd = config.headDim();
        NDManager m = q.getManager();

        NDArray q5 = q.reshape(b, kv, g, t, hd);                                 // [B, KV, G, T, hd]
        NDArray out;
        if (observer == AttentionObserver.NONE && t > QUERY_CHUNK) {
            // Long prefills attend in chunks of queries: each chunk only needs the keys up to its last query, and
            // its [B, KV, G, chunk, S] scores stay small enough to be reused by the allocator instead of mapped anew.
            NDList parts = new NDList();
            for (int c0 = 0; c0 < t; c0 += QUERY_CHUNK) {
                int c1 = Math.min(t, c0 + QUERY_CHUNK);
                parts.add(attendRows(m, q5.get(new NDIndex(":, :, :, {}:{}", c0, c1)), pos0 + c0, c1 - c0, pos0 + c1, observer));
            }
            out = NDArrays.concat(parts, 3);                                       // [B, KV, G, T, hd]
        } else {
            out = attendRows(m, q5, pos0, t, s, observer);
        }
        countPairs(pos0, t);
        return out.reshape(b, (long) kv * g, t, hd);                             // [B, H, T, hd]
    }

    /** Queries at positions pos0 .. pos0+t-1 over the first s cached keys (s >= pos0 + t). */
    private NDArray attendRows(NDManager m, NDArray q5, int pos0, int t, int s, AttentionObserver observer) {
        int hd = config.headDim();
        NDArray k = s == cached ? keys : keys.get(new NDIndex(":, :, :{}, :", s));       // [B, KV, s, hd]
        NDArray v = s == cached ? values : values.get(new NDIndex(":, :, :{}, :", s));   // [B, KV, s, hd]
        NDArray scores = q5.matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3))             // [B, KV, G, t, s]
                .mul(1.0 / Math.sqrt(hd));
        scores = scores.add(mask(m, pos0, t, s));                                // mask [KV, 1, t, s]
        NDArray probs = scores.softmax(-1);                                      // [B, KV, G, t, s]
        probs = observer.onProbabilities(layer, probs, pos0);
        return probs.matMul(v.expandDims(2));                                    // [B, KV, G, t, hd]
    }

    private NDArray mask(NDManager m, int pos0, int t, int s) {
        int kv = sink.length;
        float[] all = new float[kv * t * s];
        for (int h = 0; h < kv; h++) {
            System.arraycopy(AttentionMask.additive(pos0, t, s, sink[h], window[h]), 0, all, h * t * s, t * s);
        }
        return m.create(all, new Shape(kv, 1, t, s));
    }

    private void countPairs(int pos0, int t) {
        for (int i = pos0; i < pos0 + t; i++) {
            for (int h = 0; h < sink.length; h++) {
                pairsComputed += AttentionMask.visibleKeys(i, sink[h], window[h]);
                pairsCausal += i + 1;
            }
        }
    }

    /** Cached arrays outlive the caller's NDScope; they are freed with the sequence. */
    private NDArray keep(NDArray a) {
        ai.djl.ndarray.NDScope.unregister(a);
        return a;
    }

    @Override
    public long cacheBytes() {
        long elems = 0;
        for (int h = 0; h < sink.length; h++) {
            long held = window[h] <= 0 ? cached : Math.min(cached, (long) sink[h] + window[h]);
            elems += 2 * held * config.headDim();
        }
        long batch = keys == null ? 1 : keys.getShape().get(0);
        return batch * elems * bytesPerElement;
    }

    @Override
    public long[] pairsComputedAndCausal() {
        return new long[] {pairsComputed, pairsCausal};
    }

    @Override
    public void close() {
        if (keys != null) keys.close();
        if (values != null) values.close();
        keys = values = null;
    }
}
