package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * Softmax attention of a group of KV heads that share a pattern, over what their cache holds plus
 * the new keys. Long prefills run in chunks of queries; each chunk takes only the keys its pattern
 * lets it see (the sink, and the window reaching back from its first query), so a streaming head's
 * prefill costs O(T (sink + window + chunk)), not O(T^2). It can show its probabilities to an
 * {@link AttentionObserver} when the heads are full and the cache is empty.
 */
final class SoftmaxAttentionKernel implements AttentionKernel {
    /** Queries per chunk of a long prefill when nobody observes the probabilities. */
    static final int QUERY_CHUNK = 256;

    static final SoftmaxAttentionKernel INSTANCE = new SoftmaxAttentionKernel();

    private SoftmaxAttentionKernel() {}

    @Override
    public NDArray attend(
            int layer,
            NDArray q,
            NDArray k,
            NDArray v,
            int pos0,
            NdKvCache cache,
            AttentionObserver observer) {
        int t = (int) q.getShape().get(3);
        HeadPattern p = cache.pattern();
        if (observer != AttentionObserver.NONE) {
            if (!p.isFull() || !cache.isEmpty()) {
                throw new IllegalStateException(
                        "layer "
                                + layer
                                + ": attention probabilities can be observed only for full "
                                + "heads in a single pass (this layer has "
                                + p
                                + " heads and "
                                + cache.heldTokens()
                                + " cached tokens)");
            }
            return chunk(layer, q, k, v, pos0, 0, t, cache, observer);
        }
        if (t <= QUERY_CHUNK) return chunk(layer, q, k, v, pos0, 0, t, cache, observer);
        NDList parts = new NDList();
        for (int c0 = 0; c0 < t; c0 += QUERY_CHUNK) {
            int c1 = Math.min(t, c0 + QUERY_CHUNK);
            parts.add(
                    chunk(
                            layer,
                            q.get(new NDIndex(":, :, :, {}:{}", c0, c1)),
                            k,
                            v,
                            pos0,
                            c0,
                            c1,
                            cache,
                            observer));
        }
        return NDArrays.concat(parts, 3);
    }

    /** Queries c0 .. c1-1 of the new block over the visible cached keys and new keys. */
    private static NDArray chunk(
            int layer,
            NDArray q,
            NDArray k,
            NDArray v,
            int pos0,
            int c0,
            int c1,
            NdKvCache cache,
            AttentionObserver observer) {
        VisibleScores s = visibleScores(q, k, v, pos0, c0, c1, cache);
        NDArray probs = s.scores().softmax(-1); // [B, n, G, tc, S]
        probs = observer.onProbabilities(layer, probs, pos0);
        return probs.matMul(s.values().expandDims(2)); // [B, n, G, tc, hd]
    }

    /**
     * Scaled scores of a chunk's queries over the keys its pattern shows, -inf where masked.
     *
     * @param scores [B, n, G, tc, S]
     * @param values [B, n, S, hd] of the same S keys
     */
    record VisibleScores(NDArray scores, NDArray values) {}

    /**
     * The scores of queries c0 .. c1-1 of the new block (q [B, n, G, tc, hd], already cut to the
     * chunk) over the visible cached keys and new keys: the sink part and the window reaching back
     * from the chunk's first query, masked per query. Shared with {@link HybridLinearKernel}, whose
     * exact part is this window.
     */
    static VisibleScores visibleScores(
            NDArray q, NDArray k, NDArray v, int pos0, int c0, int c1, NdKvCache cache) {
        HeadPattern p = cache.pattern();
        NDList ks = new NDList(), vs = new NDList();
        int[] cached = cache.isEmpty() ? new int[0] : cache.positions();
        if (cached.length > 0) {
            ks.add(cache.keys());
            vs.add(cache.values());
        }
        // new keys a query in [pos0 + c0, pos0 + c1) can see: the sink part and the window part,
        // merged when they touch
        int sinkEnd = p.isFull() ? c1 : Math.min(c1, Math.max(0, p.sink() - pos0));
        int windowStart = p.isFull() ? c1 : Math.max(0, c0 - p.window() + 1);
        int[][] ranges =
                sinkEnd >= windowStart
                        ? new int[][] {{0, c1}}
                        : new int[][] {{0, sinkEnd}, {windowStart, c1}};
        int keysSeen = cached.length;
        for (int[] r : ranges) keysSeen += r[1] - r[0];
        int[] positions = new int[keysSeen];
        System.arraycopy(cached, 0, positions, 0, cached.length);
        int at = cached.length;
        for (int[] r : ranges) {
            if (r[1] <= r[0]) continue;
            NDIndex rows = new NDIndex(":, :, {}:{}", r[0], r[1]);
            ks.add(r[0] == 0 && r[1] == k.getShape().get(2) ? k : k.get(rows));
            vs.add(r[0] == 0 && r[1] == v.getShape().get(2) ? v : v.get(rows));
            for (int j = r[0]; j < r[1]; j++) positions[at++] = pos0 + j;
        }
        NDArray keys = ks.size() == 1 ? ks.get(0) : NDArrays.concat(ks, 2); // [B, n, S, hd]
        NDArray values = vs.size() == 1 ? vs.get(0) : NDArrays.concat(vs, 2); // [B, n, S, hd]
        int tc = c1 - c0, hd = (int) q.getShape().get(4);
        NDArray scores =
                q.matMul(keys.expandDims(2).transpose(0, 1, 2, 4, 3)) // [B, n, G, tc, S]
                        .mul(scalar(q, 1.0 / Math.sqrt(hd)));
        scores = scores.add(mask(q.getManager(), p, pos0 + c0, tc, positions)); // mask [tc, S]
        return new VisibleScores(scores, values);
    }

    /**
     * A libtorch-owned float32 scalar: mul(Number) wraps a direct buffer that DJL frees on close
     * while autograd keeps it.
     */
    static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, DataType.FLOAT32);
    }

    /**
     * Additive mask [tc, S] (0 or -inf) of queries q0 .. q0+tc-1 over keys at {@code positions}.
     */
    private static NDArray mask(NDManager m, HeadPattern p, int q0, int tc, int[] positions) {
        int s = positions.length;
        float[] mask = new float[tc * s];
        for (int i = 0; i < tc; i++) {
            for (int j = 0; j < s; j++)
                mask[i * s + j] = p.visible(q0 + i, positions[j]) ? 0f : Float.NEGATIVE_INFINITY;
        }
        return m.create(mask, new Shape(tc, s));
    }
}
