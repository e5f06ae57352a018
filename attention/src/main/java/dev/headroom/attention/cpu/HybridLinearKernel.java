package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * LoLCATs' hybrid attention of a linearized group of heads, as the core's {@code
 * HybridAttentionReference} defines it: exact softmax over the sink + window (the scores {@link
 * SoftmaxAttentionKernel} computes), linear attention with Hedgehog feature maps over the keys
 * after the sink that have left the window, one normalization with gamma weighting the window.
 *
 * <p>One causal form serves prefill and decode. The state (S = sum phi(k) v^T, z = sum phi(k))
 * holds the keys up to the first query's linear boundary; queries run in chunks, and before each
 * chunk the keys up to its first query's boundary are folded in; inside a chunk the few linear keys
 * past the state are a masked [tc, P] term. At the end of the call the keys up to the next
 * position's boundary are folded, while the ring still holds them. A decode step is the same code
 * with one query: one key folded, no intra-chunk term. Differentiable in the weights, so the
 * linearize stage trains through {@link #attendSequence}.
 */
public final class HybridLinearKernel implements AttentionKernel {
    static final HybridLinearKernel INSTANCE = new HybridLinearKernel();

    /** Queries per chunk. */
    static final int QUERY_CHUNK = SoftmaxAttentionKernel.QUERY_CHUNK;

    /**
     * The feature maps and window weights as arrays.
     *
     * @param queryMaps [G, hd, f]
     * @param keyMap [hd, f]
     * @param gamma [G]
     */
    public record Weights(NDArray queryMaps, NDArray keyMap, NDArray gamma) {}

    private HybridLinearKernel() {}

    /**
     * The hybrid output of a whole sequence from an empty state, differentiable in {@code weights}:
     * what the linearize stage trains.
     *
     * @param q [B, 1, G, T, hd] rotated queries of one KV head's group
     * @param k [B, 1, T, hd] rotated keys; v likewise
     * @return [B, 1, G, T, hd]
     */
    public static NDArray attendSequence(
            NDArray q, NDArray k, NDArray v, int sink, int window, Weights weights) {
        int g = (int) q.getShape().get(2), hd = (int) q.getShape().get(4);
        int f = (int) weights.keyMap().getShape().get(1);
        HedgehogMaps shape = HedgehogMaps.initial(sink, window, g, hd, f);
        try (HybridLinearKvCache cache =
                new HybridLinearKvCache(
                        HeadPattern.sinkWindow(sink, window),
                        new HybridLinearFormat(4, shape),
                        new int[] {0},
                        hd)) {
            cache.useWeights(weights);
            return INSTANCE.attend(0, q, k, v, 0, cache, AttentionObserver.NONE);
        }
    }

    /** The linear state during a call: S [B, n, F, hd], z [B, n, F], positions [sink, end). */
    private record State(NDArray s, NDArray z, int end) {}

    @Override
    public NDArray attend(
            int layer,
            NDArray q,
            NDArray k,
            NDArray v,
            int pos0,
            NdKvCache cache,
            AttentionObserver observer) {
        if (observer != AttentionObserver.NONE)
            throw new IllegalStateException(
                    "layer "
                            + layer
                            + ": attention probabilities cannot be observed for linearized heads");
        HybridLinearKvCache c = (HybridLinearKvCache) cache;
        Weights w = c.weights(q.getManager());
        int t = (int) q.getShape().get(3), window = c.pattern().window();
        State s = initial(c, k, w);
        NDList parts = new NDList();
        for (int c0 = 0; c0 < t; c0 += QUERY_CHUNK) {
            int c1 = Math.min(t, c0 + QUERY_CHUNK);
            s = fold(s, c, k, v, pos0, pos0 + c0 - window + 1, w);
            NDArray qc = t <= QUERY_CHUNK ? q : q.get(new NDIndex(":, :, :, {}:{}", c0, c1));
            parts.add(chunk(qc, k, v, pos0, c0, c1, c, s, w));
        }
        s = fold(s, c, k, v, pos0, pos0 + t - window + 1, w);
        c.keepState(s.s(), s.z(), s.end());
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 3);
    }

    private static State initial(HybridLinearKvCache c, NDArray k, Weights w) {
        if (c.state() != null) return new State(c.state(), c.norm(), c.foldedEnd());
        long b = k.getShape().get(0), n = k.getShape().get(1), hd = k.getShape().get(3);
        long features = 2 * w.keyMap().getShape().get(1);
        return new State(
                k.getManager().zeros(new Shape(b, n, features, hd)),
                k.getManager().zeros(new Shape(b, n, features)),
                c.foldedEnd());
    }

    /** phi(x) = [softmax(x W), softmax(-x W)] over the last axis; x [..., hd], W [..., hd, f]. */
    static NDArray features(NDArray x, NDArray map) {
        NDArray proj = x.matMul(map);
        int last = proj.getShape().dimension() - 1;
        return NDArrays.concat(new NDList(proj.softmax(last), proj.neg().softmax(last)), last);
    }

    /** The state with the keys of positions [s.end, to) folded in. */
    private static State fold(
            State s, HybridLinearKvCache c, NDArray k, NDArray v, int pos0, int to, Weights w) {
        if (to <= s.end()) return s;
        NDArray[] rows = rows(c, k, v, pos0, s.end(), to); // [B, n, P, hd] each
        NDArray phi = features(rows[0], w.keyMap()); // [B, n, P, F]
        NDArray state = s.s().add(phi.transpose(0, 1, 3, 2).matMul(rows[1])); // [B, n, F, hd]
        NDArray z = s.z().add(phi.sum(new int[] {2})); // [B, n, F]
        return new State(state, z, to);
    }

    /**
     * Keys and values of positions [from, to): from the ring for positions before pos0 (still held,
     * in runs of consecutive slots), from the new block after.
     */
    private static NDArray[] rows(
            HybridLinearKvCache c, NDArray k, NDArray v, int pos0, int from, int to) {
        NDList ks = new NDList(), vs = new NDList();
        HeadPattern p = c.pattern();
        int pos = from;
        while (pos < Math.min(to, pos0)) {
            int slot = KvSlots.slot(p, pos), run = 1;
            while (pos + run < Math.min(to, pos0) && KvSlots.slot(p, pos + run) == slot + run)
                run++;
            NDIndex slots = new NDIndex(":, :, {}:{}", slot, slot + run);
            ks.add(c.keys.get(slots));
            vs.add(c.values.get(slots));
            pos += run;
        }
        if (to > pos0) {
            NDIndex fresh = new NDIndex(":, :, {}:{}", Math.max(from, pos0) - pos0, to - pos0);
            ks.add(k.get(fresh));
            vs.add(v.get(fresh));
        }
        return new NDArray[] {
            ks.size() == 1 ? ks.get(0) : NDArrays.concat(ks, 2),
            vs.size() == 1 ? vs.get(0) : NDArrays.concat(vs, 2)
        };
    }

    /**
     * Queries c0 .. c1-1 (qc [B, n, G, tc, hd]) with the state folded to the first one's boundary.
     */
    private static NDArray chunk(
            NDArray qc,
            NDArray k,
            NDArray v,
            int pos0,
            int c0,
            int c1,
            HybridLinearKvCache c,
            State s,
            Weights w) {
        int g = (int) qc.getShape().get(2), tc = c1 - c0, window = c.pattern().window();
        // exact part: gamma exp(score - m) over the sink + window, m the row's largest score
        SoftmaxAttentionKernel.VisibleScores win =
                SoftmaxAttentionKernel.visibleScores(qc, k, v, pos0, c0, c1, c);
        NDArray e = win.scores().sub(win.scores().max(new int[] {-1}, true)).exp();
        NDArray gamma = w.gamma().reshape(1, 1, g, 1, 1);
        NDArray numerator = e.matMul(win.values().expandDims(2)).mul(gamma); // [B, n, G, tc, hd]
        NDArray denominator = e.sum(new int[] {-1}, true).mul(gamma); // [B, n, G, tc, 1]
        // linear part: the state, then the keys past it up to each query's boundary
        long hd = qc.getShape().get(4), f = w.queryMaps().getShape().get(2);
        NDArray phiQ = features(qc, w.queryMaps().reshape(1, 1, g, hd, f)); // [B, n, G, tc, F]
        numerator = numerator.add(phiQ.matMul(s.s().expandDims(2)));
        denominator = denominator.add(phiQ.matMul(s.z().expandDims(2).expandDims(-1)));
        int i0 = pos0 + c0, to = pos0 + c1 - window; // keys p <= i - window for query i
        if (to > s.end()) {
            NDArray[] rows = rows(c, k, v, pos0, s.end(), to);
            NDArray phiK = features(rows[0], w.keyMap()); // [B, n, P, F]
            NDArray a = phiQ.matMul(phiK.expandDims(2).transpose(0, 1, 2, 4, 3)); // [.., tc, P]
            int keys = to - s.end();
            float[] mask = new float[tc * keys];
            for (int i = 0; i < tc; i++)
                for (int j = 0; j < keys; j++)
                    mask[i * keys + j] = s.end() + j <= i0 + i - window ? 1f : 0f;
            a = a.mul(qc.getManager().create(mask, new Shape(tc, keys)));
            numerator = numerator.add(a.matMul(rows[1].expandDims(2)));
            denominator = denominator.add(a.sum(new int[] {-1}, true));
        }
        return numerator.div(denominator);
    }
}
