package dev.headroom.attention.gpu;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.KvHeadAttention;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;

/**
 * A sequence's KV caches on the device and the position reached: the State of the forward pass. The
 * policy is read as the CPU's InferenceState reads it (per layer, limited to the model's sliding
 * window), and bytes, held tokens and density are counted as it counts them. Each KV head keeps the
 * slots of its pattern ({@code KvSlots}: a full head appends, a sink + window head keeps its sink
 * and a ring of window slots), stored as {@link KvStorage} says:
 *
 * <ul>
 *   <li>FP32: per layer K[KV][capacity][hd] and V likewise, and the patterns as sink[KV],
 *       window[KV], for runtime.cu's attention kernel;
 *   <li>BF16: per layer one {@link CompressedKvCache} (each head only its own slots), for {@link
 *       Bf16KvAttention}.
 * </ul>
 *
 * Made in two steps, so the runtime can check the bytes before anything is allocated: the
 * constructor reads the policy, {@link #allocate} takes the device memory.
 */
final class CudaKvState implements AutoCloseable {
    private final CudaContext cuda;
    private final RuntimeKernels kernels;
    private final ModelConfig c;
    final KvStorage storage;
    final LayerAttention[] layers;
    final HeadPattern[][] patterns; // [L][KV]
    final DeviceBuffer[] sink, window, keys, values; // [L], FP32
    final CompressedKvCache[] bf16; // [L], BF16
    final Fp32FormatQuantizer[] quantizers; // [L], FP32: null where a layer is full precision
    private final int[] capacity; // [L] slots per KV head (FP32), tokens per full head (BF16)
    private int position;
    private long pairs, causalPairs;

    CudaKvState(
            CudaContext cuda,
            RuntimeKernels kernels,
            ModelConfig c,
            AttentionPolicy policy,
            int promptLength,
            ArtifactResolver artifacts,
            KvStorage storage) {
        this.cuda = cuda;
        this.kernels = kernels;
        this.c = c;
        this.storage = storage;
        int nl = c.numLayers(), kv = c.numKvHeads();
        layers = new LayerAttention[nl];
        patterns = new HeadPattern[nl][kv];
        quantizers = new Fp32FormatQuantizer[nl];
        dev.headroom.attention.model.RotaryTable rope = null;
        for (int l = 0; l < nl; l++) {
            layers[l] =
                    policy.forLayer(new LayerContext(c, l, promptLength, artifacts))
                            .limitedTo(c.slidingWindow());
            check(policy, l, layers[l], kv, storage);
            for (int h = 0; h < kv; h++) patterns[l][h] = layers[l].head(h).pattern();
            if (storage == KvStorage.FP32 && !allFullPrecision(layers[l])) {
                if (rope == null) rope = new dev.headroom.attention.model.RotaryTable(c);
                quantizers[l] = Fp32FormatQuantizer.of(l, layers[l], c.headDim(), rope);
            }
        }
        sink = new DeviceBuffer[nl];
        window = new DeviceBuffer[nl];
        keys = new DeviceBuffer[nl];
        values = new DeviceBuffer[nl];
        bf16 = new CompressedKvCache[nl];
        capacity = new int[nl];
    }

    /** The device bytes {@link #allocate} will take for room of {@code tokens} positions. */
    long bytesFor(int tokens) {
        long sum = 0;
        for (int l = 0; l < layers.length; l++) {
            if (storage == KvStorage.BF16)
                sum += CompressedKvCache.deviceBytes(patterns[l], c.headDim(), tokens);
            else
                sum += 2L * 4 * c.numKvHeads() * Math.max(16, slotsNeeded(l, tokens)) * c.headDim();
        }
        return sum;
    }

    /** Takes the device memory for room of {@code tokens} positions (more grows on demand). */
    CudaKvState allocate(int tokens) {
        int kv = c.numKvHeads();
        try {
            for (int l = 0; l < layers.length; l++) {
                if (storage == KvStorage.BF16) {
                    bf16[l] = new CompressedKvCache(cuda, patterns[l], c.headDim(), tokens);
                    capacity[l] = tokens;
                    continue;
                }
                int[] s = new int[kv], w = new int[kv];
                for (int h = 0; h < kv; h++) {
                    s[h] = patterns[l][h].sink();
                    w[h] = patterns[l][h].window();
                }
                sink[l] = cuda.allocate(4L * kv).upload(s);
                window[l] = cuda.allocate(4L * kv).upload(w);
                int cap = Math.max(16, slotsNeeded(l, Math.max(1, tokens)));
                keys[l] = cuda.allocate(4L * kv * cap * c.headDim());
                values[l] = cuda.allocate(4L * kv * cap * c.headDim());
                capacity[l] = cap;
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A copy of this state, caches copied on the device: a fork under the same policy. */
    CudaKvState copy() {
        CudaKvState out =
                new CudaKvState(cuda, kernels, c, layers, patterns, storage, capacity.length);
        try {
            for (int l = 0; l < layers.length; l++) {
                out.capacity[l] = capacity[l];
                if (quantizers[l] != null) out.quantizers[l] = quantizers[l].copy();
                if (storage == KvStorage.BF16) {
                    out.bf16[l] = bf16[l].copy(capacity[l]);
                    continue;
                }
                out.sink[l] = copyOf(sink[l]);
                out.window[l] = copyOf(window[l]);
                out.keys[l] = copyOf(keys[l]);
                out.values[l] = copyOf(values[l]);
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        out.position = position;
        out.pairs = pairs;
        out.causalPairs = causalPairs;
        return out;
    }

    private DeviceBuffer copyOf(DeviceBuffer b) {
        DeviceBuffer out = cuda.allocate(b.bytes());
        out.copyFrom(b, b.bytes());
        return out;
    }

    private CudaKvState(
            CudaContext cuda,
            RuntimeKernels kernels,
            ModelConfig c,
            LayerAttention[] layers,
            HeadPattern[][] patterns,
            KvStorage storage,
            int nl) {
        this.cuda = cuda;
        this.kernels = kernels;
        this.c = c;
        this.storage = storage;
        this.layers = layers;
        this.patterns = patterns;
        sink = new DeviceBuffer[nl];
        window = new DeviceBuffer[nl];
        keys = new DeviceBuffer[nl];
        values = new DeviceBuffer[nl];
        bf16 = new CompressedKvCache[nl];
        quantizers = new Fp32FormatQuantizer[nl];
        capacity = new int[nl];
    }

    private static boolean allFullPrecision(LayerAttention la) {
        for (int h = 0; h < la.kvHeads(); h++)
            if (!(la.head(h).format() instanceof FullPrecisionKv)) return false;
        return true;
    }

    /** Whether some layer stores a quantized format in fp32 caches (host quantization). */
    boolean quantizesOnHost() {
        for (Fp32FormatQuantizer q : quantizers) if (q != null) return true;
        return false;
    }

    /** The longest chunk a call may run in (windowed KIVI heads need every token to land). */
    int chunkLimit(int chunk) {
        for (Fp32FormatQuantizer q : quantizers) if (q != null) chunk = q.chunkLimit(chunk);
        return chunk;
    }

    /** Before a chunk of a call of several tokens: keys its ring overwrites, kept for the fits. */
    void beforeChunk(int chunkFrom, int chunkTo) {
        int kv = c.numKvHeads(), hd = c.headDim();
        for (int l = 0; l < quantizers.length; l++)
            if (quantizers[l] != null && quantizers[l].savesKeys())
                quantizers[l].beforeChunk(
                        keys[l].downloadFloats(kv * capacity[l] * hd),
                        capacity[l],
                        chunkFrom,
                        chunkTo);
    }

    /** After a call appended [from, position): quantizes what its formats made due. */
    void afterCall(int from) {
        int kv = c.numKvHeads(), hd = c.headDim();
        for (int l = 0; l < quantizers.length; l++) {
            if (quantizers[l] == null) continue;
            int n = kv * capacity[l] * hd;
            float[] k = keys[l].downloadFloats(n), v = values[l].downloadFloats(n);
            quantizers[l].afterCall(k, v, capacity[l], from, position);
            keys[l].upload(k);
            values[l].upload(v);
        }
    }

    /** Refuses, in one line, what this runtime cannot store yet. */
    private static void check(
            AttentionPolicy policy, int l, LayerAttention la, int kvHeads, KvStorage storage) {
        if (la.kvHeads() != kvHeads) {
            throw new IllegalArgumentException(
                    policy.name()
                            + ": layer "
                            + l
                            + " has "
                            + la.kvHeads()
                            + " KV heads, the model "
                            + kvHeads);
        }
        for (int h = 0; h < kvHeads; h++) {
            KvHeadAttention a = la.head(h);
            if (!(a.format() instanceof FullPrecisionKv) && storage != KvStorage.FP32) {
                throw new HeadroomException(
                        "backend gpu: KV format "
                                + a.format().name()
                                + " (policy "
                                + policy.name()
                                + ", layer "
                                + l
                                + ", KV head "
                                + h
                                + ") is not supported in "
                                + storage.name().toLowerCase(java.util.Locale.ROOT)
                                + " caches yet (fp32 caches store it: precision fp32, or"
                                + " -Dheadroom.gpu.kv=fp32)");
            }
        }
    }

    /** Slots layer l needs once {@code tokens} positions are cached: the most any head holds. */
    int slotsNeeded(int l, int tokens) {
        int need = 0;
        for (int h = 0; h < c.numKvHeads(); h++)
            need = Math.max(need, layers[l].head(h).pattern().heldTokens(tokens));
        return need;
    }

    int capacity(int l) {
        return capacity[l];
    }

    /** Makes room for {@code tokens} more positions in every layer (doubling, slots kept). */
    void reserve(int tokens) {
        int kv = c.numKvHeads(), hd = c.headDim();
        for (int l = 0; l < capacity.length; l++) {
            if (storage == KvStorage.BF16) {
                int need = position + tokens;
                if (need <= capacity[l]) continue;
                int cap = Math.max(need, 2 * capacity[l]);
                CompressedKvCache grown = bf16[l].copy(cap);
                bf16[l].close();
                bf16[l] = grown;
                capacity[l] = cap;
                continue;
            }
            int need = slotsNeeded(l, position + tokens);
            if (need <= capacity[l]) continue;
            int cap = Math.max(need, 2 * capacity[l]);
            DeviceBuffer k = cuda.allocate(4L * kv * cap * hd),
                    v = cuda.allocate(4L * kv * cap * hd);
            kernels.cacheGrow(keys[l], k, kv, capacity[l], cap, hd);
            kernels.cacheGrow(values[l], v, kv, capacity[l], cap, hd);
            keys[l].close();
            values[l].close();
            keys[l] = k;
            values[l] = v;
            capacity[l] = cap;
        }
    }

    /** After {@code tokens} replayed decode steps appended on the device: the host's counts. */
    void advanceReplayed(int tokens) {
        for (CompressedKvCache cache : bf16) cache.advance(tokens);
        advance(tokens);
    }

    int position() {
        return position;
    }

    /** After every layer appended the call's T tokens: counts the pairs and moves on. */
    void advance(int tokens) {
        for (LayerAttention la : layers) {
            for (int h = 0; h < la.kvHeads(); h++) {
                HeadPattern p = la.head(h).pattern();
                for (int i = position; i < position + tokens; i++) {
                    pairs += p.visibleKeys(i);
                    causalPairs += i + 1L;
                }
            }
        }
        position += tokens;
    }

    long cacheBytes() {
        long sum = 0;
        for (LayerAttention la : layers)
            for (int h = 0; h < la.kvHeads(); h++) {
                KvHeadAttention a = la.head(h);
                sum += a.format().bytes(a.pattern(), position, c.headDim());
            }
        return sum;
    }

    int heldTokens(int layer, int kvHead) {
        return layers[layer].head(kvHead).pattern().heldTokens(position);
    }

    double density() {
        return causalPairs == 0 ? 1.0 : (double) pairs / causalPairs;
    }

    /** Device bytes the caches take now (allocated slots). */
    long deviceBytes() {
        long sum = 0;
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) sum += 2 * keys[l].bytes();
            if (bf16[l] != null) sum += bf16[l].deviceBytes();
        }
        return sum;
    }

    @Override
    public void close() {
        for (int l = 0; l < bf16.length; l++)
            if (bf16[l] != null) {
                bf16[l].close();
                bf16[l] = null;
            }
        for (DeviceBuffer[] group : new DeviceBuffer[][] {sink, window, keys, values})
            for (int l = 0; l < group.length; l++)
                if (group[l] != null) {
                    group[l].close();
                    group[l] = null;
                }
    }
}
