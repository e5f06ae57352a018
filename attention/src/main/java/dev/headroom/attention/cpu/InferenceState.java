package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.KvHeadAttention;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;
import java.util.List;

/**
 * The mutable part of a running sequence on the CPU: each layer's KV caches (one per group of KV
 * heads sharing a pattern and format) and the position reached.
 */
public final class InferenceState implements AutoCloseable {
    private final ModelConfig config;
    private final AttentionPolicy policy;
    private final NdKvCache[][] caches; // [L][group]
    private final AttentionKernel[][] kernels; // [L][group]
    private final int[][] cacheOfHead; // [L][KV] -> group
    private final int promptLength;
    private final ArtifactResolver artifacts;
    private int position;
    private long pairs, causalPairs;
    private float[][][][] queries; // [L][H][T][hd] of the last call, when recording

    /**
     * @param promptLength the input length, for policies whose spans scale with it
     */
    public InferenceState(ModelConfig config, AttentionPolicy policy, int promptLength) {
        this(config, policy, promptLength, ArtifactResolver.NONE);
    }

    public InferenceState(
            ModelConfig config,
            AttentionPolicy policy,
            int promptLength,
            ArtifactResolver artifacts) {
        this.config = config;
        this.policy = policy;
        this.promptLength = promptLength;
        this.artifacts = artifacts;
        this.caches = new NdKvCache[config.numLayers()][];
        this.kernels = new AttentionKernel[config.numLayers()][];
        this.cacheOfHead = new int[config.numLayers()][config.numKvHeads()];
        RotaryTable rope = new RotaryTable(config); // for caches that fit keys before RoPE
        for (int l = 0; l < caches.length; l++) {
            LayerAttention la =
                    policy.forLayer(new LayerContext(config, l, promptLength, artifacts))
                            .limitedTo(config.slidingWindow());
            if (la.kvHeads() != config.numKvHeads()) {
                throw new IllegalArgumentException(
                        policy.name()
                                + ": layer "
                                + l
                                + " has "
                                + la.kvHeads()
                                + " KV heads, the model "
                                + config.numKvHeads());
            }
            List<int[]> groups = la.groups();
            caches[l] = new NdKvCache[groups.size()];
            kernels[l] = new AttentionKernel[groups.size()];
            for (int g = 0; g < groups.size(); g++) {
                int[] heads = groups.get(g);
                KvHeadAttention a = la.head(heads[0]);
                caches[l][g] = NdKvCache.of(a.pattern(), a.format(), heads, config.headDim(), rope);
                kernels[l][g] = AttentionKernel.forCache(caches[l][g]);
                for (int h : heads) cacheOfHead[l][h] = g;
            }
        }
    }

    /**
     * Attends the new queries of layer {@code l} over its caches and the new keys, then caches the
     * new keys and values.
     *
     * @param q [B, H, T, hd] at positions pos0 .. pos0+T-1, rotated; k, v [B, KV, T, hd]
     * @return [B, H, T, hd]
     */
    NDArray attend(int l, NDArray q, NDArray k, NDArray v, int pos0, AttentionObserver observer) {
        if (pos0 != position)
            throw new IllegalStateException(
                    "layer " + l + ": expected position " + position + ", got " + pos0);
        long b = q.getShape().get(0);
        int t = (int) q.getShape().get(2),
                kv = config.numKvHeads(),
                g = config.groupSize(),
                hd = config.headDim();
        NDArray q5 = q.reshape(b, kv, g, t, hd); // [B, KV, G, T, hd]
        if (queries != null) queries[l] = record(q, t, hd);
        NdKvCache[] layer = caches[l];
        if (layer.length > 1 && observer != AttentionObserver.NONE) {
            throw new IllegalStateException(
                    "layer "
                            + l
                            + ": attention probabilities can be observed only when every head of a "
                            + "layer attends alike (policy "
                            + policy.name()
                            + " mixes patterns)");
        }
        NDArray out;
        if (layer.length == 1) {
            out = kernels[l][0].attend(l, q5, k, v, pos0, layer[0], observer);
            layer[0].append(k, v);
        } else {
            NDArray[] perHead = new NDArray[kv]; // each [B, 1, G, T, hd]
            for (int group = 0; group < layer.length; group++) {
                NdKvCache cache = layer[group];
                int[] heads = cache.kvHeads();
                NDArray o =
                        kernels[l][group].attend(
                                l,
                                pick(q5, heads),
                                pick(k, heads),
                                pick(v, heads),
                                pos0,
                                cache,
                                observer);
                cache.append(pick(k, heads), pick(v, heads));
                for (int i = 0; i < heads.length; i++)
                    perHead[heads[i]] =
                            heads.length == 1 ? o : o.get(new NDIndex(":, {}:{}", i, i + 1));
            }
            out = NDArrays.concat(new NDList(perHead), 1); // [B, KV, G, T, hd]
        }
        if (l == 0) countPairs(pos0, t);
        return out.reshape(b, (long) kv * g, t, hd); // [B, H, T, hd]
    }

    /** The given KV heads (axis 1) of x, as one array. */
    private static NDArray pick(NDArray x, int[] heads) {
        boolean contiguous = heads[heads.length - 1] - heads[0] == heads.length - 1;
        if (contiguous)
            return x.get(new NDIndex(":, {}:{}", heads[0], heads[heads.length - 1] + 1));
        NDList parts = new NDList();
        for (int h : heads) parts.add(x.get(new NDIndex(":, {}:{}", h, h + 1)));
        return NDArrays.concat(parts, 1);
    }

    private void countPairs(int pos0, int t) {
        for (int l = 0; l < caches.length; l++) {
            for (NdKvCache c : caches[l]) {
                HeadPattern p = c.pattern();
                for (int i = pos0; i < pos0 + t; i++) {
                    pairs += p.visibleKeys(i) * c.kvHeads().length;
                    causalPairs += (i + 1L) * c.kvHeads().length;
                }
            }
        }
    }

    public AttentionPolicy policy() {
        return policy;
    }

    /** Tokens processed so far: the position of the next token. */
    public int position() {
        return position;
    }

    void advance(int tokens) {
        position += tokens;
    }

    /** KV-cache bytes held by all layers now, as their formats store them. */
    public long cacheBytes() {
        long sum = 0;
        for (NdKvCache[] layer : caches) for (NdKvCache c : layer) sum += c.bytes();
        return sum;
    }

    /** Entries the cache of (layer, KV head) holds now. */
    public int heldTokens(int layer, int kvHead) {
        return caches[layer][cacheOfHead[layer][kvHead]].heldTokens();
    }

    /** The fraction of causal query-key pairs computed so far (1.0 for dense attention). */
    public double density() {
        return causalPairs == 0 ? 1.0 : (double) pairs / causalPairs;
    }

    /** Sequence 0's queries q [B, H, T, hd] as [H][T][hd]. */
    private float[][][] record(NDArray q, int t, int hd) {
        int h = config.numHeads();
        float[] flat = q.get(new NDIndex("0")).toFloatArray();
        float[][][] out = new float[h][t][hd];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < t; j++) System.arraycopy(flat, (i * t + j) * hd, out[i][j], 0, hd);
        return out;
    }

    void recordQueries() {
        if (queries == null) queries = new float[config.numLayers()][][][];
    }

    float[][][] lastQueries(int layer) {
        if (queries == null || queries[layer] == null)
            throw new IllegalStateException("no queries recorded for layer " + layer);
        return queries[layer];
    }

    /** Sequence 0's cached keys (or values) of one head, [held][hd] in position order. */
    float[][] cached(int layer, int kvHead, boolean keys) {
        NdKvCache c = caches[layer][cacheOfHead[layer][kvHead]];
        int index = java.util.Arrays.binarySearch(c.kvHeads(), kvHead);
        if (c.isEmpty()) return new float[0][];
        int[] positions = c.positions();
        NDArray buffer = keys ? c.keys() : c.values();
        float[] flat = buffer.get(new NDIndex("0, {}", index)).toFloatArray(); // [held, hd]
        int hd = config.headDim();
        Integer[] order = new Integer[positions.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Integer.compare(positions[x], positions[y]));
        float[][] out = new float[positions.length][hd];
        for (int i = 0; i < order.length; i++) System.arraycopy(flat, order[i] * hd, out[i], 0, hd);
        return out;
    }

    /**
     * A copy whose caches follow {@code newPolicy} (same patterns, any formats), filled with this
     * state's keys and values in one append per cache. Every cache here must hold all positions in
     * full precision.
     */
    InferenceState fork(AttentionPolicy newPolicy) {
        InferenceState copy = new InferenceState(config, newPolicy, promptLength, artifacts);
        for (int l = 0; l < caches.length; l++) {
            for (NdKvCache target : copy.caches[l]) {
                int[] heads = target.kvHeads();
                NDList ks = new NDList(), vs = new NDList();
                for (int h : heads) {
                    NdKvCache source = caches[l][cacheOfHead[l][h]];
                    if (!source.pattern().equals(target.pattern()))
                        throw new IllegalArgumentException(
                                "fork: layer "
                                        + l
                                        + " head "
                                        + h
                                        + " is "
                                        + source.pattern()
                                        + " here and "
                                        + target.pattern()
                                        + " in "
                                        + newPolicy.name());
                    if (!(source.format() instanceof dev.headroom.attention.cache.FullPrecisionKv)
                            || source.heldTokens() != position)
                        throw new IllegalArgumentException(
                                "fork: layer "
                                        + l
                                        + " head "
                                        + h
                                        + " does not hold all "
                                        + position
                                        + " positions in full precision");
                    if (position == 0) continue;
                    int i = java.util.Arrays.binarySearch(source.kvHeads(), h);
                    NDIndex one = new NDIndex(":, {}:{}", i, i + 1);
                    ks.add(source.keys().get(one));
                    vs.add(source.values().get(one));
                }
                if (position == 0) continue;
                NDArray k = ks.size() == 1 ? ks.get(0) : NDArrays.concat(ks, 1),
                        v = vs.size() == 1 ? vs.get(0) : NDArrays.concat(vs, 1);
                target.append(k.duplicate(), v.duplicate());
            }
        }
        copy.position = position;
        copy.pairs = pairs;
        copy.causalPairs = causalPairs;
        return copy;
    }

    @Override
    public void close() {
        for (NdKvCache[] layer : caches) for (NdKvCache c : layer) c.close();
    }
}
