package dev.headroom.attention.gpu;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.file.Path;
import java.util.List;

/**
 * The CUDA runtime: a checkpoint loaded onto one GPU (the same safetensors the CPU runtime reads,
 * through the core's {@link Checkpoint}), bf16 or fp32 as {@link CudaPrecision} says, and its
 * forward pass. Sequences hold their KV caches on the device. Calls are serialized on the model
 * (one CUDA context, one set of activation buffers), so it is safe, not parallel, from several
 * threads.
 */
public final class CudaModel implements LanguageModelRuntime {
    private final Path directory;
    private final ModelConfig config;
    private final CudaPrecision precision;
    private final CudaContext cuda;
    private final CudaWeights weights;
    private final CudaForward forward;
    private final RuntimeKernels kernels;

    private CudaModel(
            Path directory,
            ModelConfig config,
            CudaPrecision precision,
            CudaContext cuda,
            CudaWeights weights) {
        this.directory = directory;
        this.config = config;
        this.precision = precision;
        this.cuda = cuda;
        this.weights = weights;
        this.kernels = new RuntimeKernels(cuda);
        this.forward = new CudaForward(cuda, config, weights, precision);
    }

    /** Loads {@code dir} onto GPU 0 in {@code precision}. */
    public static CudaModel load(Path dir, CudaPrecision precision) {
        ModelConfig config = ConfigReader.read(dir);
        checkShape(dir, config, precision);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            config = config.withStoredDtype(ckpt.storedDtype());
            CudaContext cuda = new CudaContext();
            try {
                return new CudaModel(
                        dir,
                        config,
                        precision,
                        cuda,
                        CudaWeights.load(cuda, ckpt, config, precision));
            } catch (RuntimeException e) {
                cuda.close();
                throw e;
            }
        }
    }

    /**
     * A model of {@code config}'s shape with random bf16 weights made on the device (speed
     * benchmarks; see {@link CudaWeights#random}). Fails in one line when the weights do not fit.
     */
    public static CudaModel random(ModelConfig config, long seed) {
        Path dir = Path.of("random-weights");
        checkShape(dir, config, CudaPrecision.BF16);
        CudaContext cuda = new CudaContext();
        try {
            long[] free = new long[1], total = new long[1];
            jcuda.driver.JCudaDriver.cuMemGetInfo(free, total);
            long need = 2 * parameters(config);
            if (need > free[0] - FIT_MARGIN)
                throw new HeadroomException(
                        String.format(
                                java.util.Locale.ROOT,
                                "backend gpu: weights of %.2f GB do not fit in %.2f GB free of"
                                        + " %.2f GB",
                                need / 1e9,
                                free[0] / 1e9,
                                total[0] / 1e9));
            return new CudaModel(
                    dir, config, CudaPrecision.BF16, cuda, CudaWeights.random(cuda, config, seed));
        } catch (RuntimeException e) {
            cuda.close();
            throw e;
        }
    }

    /** Parameters of a config's shape (no biases), as the device layout holds them. */
    static long parameters(ModelConfig c) {
        long d = c.hiddenSize(), q = (long) c.numHeads() * c.headDim();
        long qkv = (long) (c.numHeads() + 2 * c.numKvHeads()) * c.headDim();
        long fp = CudaWeights.paddedFfn(c.intermediateSize());
        long layer = 2 * d + qkv * d + d * q + 3 * fp * d;
        return c.numLayers() * layer + d + (c.tieWordEmbeddings() ? 1 : 2) * c.vocabSize() * d;
    }

    /** Refuses, in one line, the shapes the kernels cannot take. */
    static void checkShape(Path dir, ModelConfig c, CudaPrecision precision) {
        String problem = null;
        if (c.headDim() > RuntimeKernels.MAX_HEAD_DIM || c.headDim() % 2 != 0)
            problem = "head dim " + c.headDim() + " (the CUDA runtime takes even head dims to 256)";
        else if (precision == CudaPrecision.BF16
                && (c.hiddenSize() % 8 != 0 || c.numHeads() * c.headDim() % 8 != 0))
            problem =
                    "hidden size "
                            + c.hiddenSize()
                            + " and query width "
                            + c.numHeads() * c.headDim()
                            + " must be multiples of 8 for the bf16 tensor-core kernels";
        if (problem != null) throw new HeadroomException(dir + ": " + problem);
    }

    @Override
    public Backend backend() {
        return Backend.GPU;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public CudaPrecision precision() {
        return precision;
    }

    /** Device bytes of the weights. */
    public long weightBytes() {
        return weights.deviceBytes;
    }

    /** Device bytes of the activation buffers and rotary tables. */
    public long workspaceBytes() {
        return forward.workspaceBytes();
    }

    /**
     * The KV storage sequences get unless {@link #open(AttentionPolicy, int, int, KvStorage)} says.
     */
    public KvStorage defaultKvStorage() {
        return KvStorage.defaultFor(config, precision);
    }

    @Override
    public RuntimeSequence open(
            AttentionPolicy policy, int promptLength, ArtifactResolver artifacts) {
        return open(
                policy, promptLength, artifacts, promptLength + DECODE_ROOM, defaultKvStorage());
    }

    /** Positions a sequence has room for beyond its prompt before its caches grow. */
    public static final int DECODE_ROOM = 256;

    /**
     * Opens a sequence whose caches have room for {@code maxTokens} positions, stored as {@code
     * storage}. Fails before allocating, in one line with the sizes, when the caches and the
     * prompt's workspace do not fit in the device memory free now.
     */
    public CudaSequence open(
            AttentionPolicy policy, int promptLength, int maxTokens, KvStorage storage) {
        return open(policy, promptLength, ArtifactResolver.NONE, maxTokens, storage);
    }

    private synchronized CudaSequence open(
            AttentionPolicy policy,
            int promptLength,
            ArtifactResolver artifacts,
            int maxTokens,
            KvStorage storage) {
        KvStorage.check(storage, config, precision);
        cuda.makeCurrent();
        CudaKvState state =
                new CudaKvState(cuda, kernels, config, policy, promptLength, artifacts, storage);
        int room = Math.max(1, Math.max(maxTokens, promptLength));
        checkFits(state.bytesFor(room), forward.extraBytesFor(prefillRows(storage, promptLength)));
        return new CudaSequence(this, state.allocate(room), policy);
    }

    /**
     * Device bytes opening a sequence and prefilling its prompt would take beyond what is allocated
     * now (its KV caches and the workspace the prompt adds), allocating nothing: what the fit check
     * compares with the free memory.
     */
    public synchronized long bytesToOpen(
            AttentionPolicy policy, int promptLength, int maxTokens, KvStorage storage) {
        CudaKvState state =
                new CudaKvState(
                        cuda,
                        kernels,
                        config,
                        policy,
                        promptLength,
                        ArtifactResolver.NONE,
                        storage);
        int room = Math.max(1, Math.max(maxTokens, promptLength));
        return state.bytesFor(room) + forward.extraBytesFor(prefillRows(storage, promptLength));
    }

    /** Bytes the fit check lets a request take now: free device memory less the margin. */
    public long bytesAvailable() {
        return memory(0).freeBytes() - FIT_MARGIN;
    }

    /** Rows the forward pass takes at once for a prompt into a fresh cache. */
    private static int prefillRows(KvStorage storage, int promptLength) {
        return storage == KvStorage.BF16 ? promptLength : CudaForward.CHUNK;
    }

    /** The one-line refusal of a request that does not fit the free device memory. */
    private void checkFits(long kvBytes, long workspaceBytes) {
        DeviceMemory m = memory(0);
        long need = kvBytes + workspaceBytes;
        if (need > m.freeBytes() - FIT_MARGIN) {
            throw new HeadroomException(
                    String.format(
                            java.util.Locale.ROOT,
                            "backend gpu: the request does not fit: KV caches %.2f GB + workspace"
                                    + " %.2f GB > %.2f GB free of %.2f GB (weights %.2f GB,"
                                    + " workspace now %.2f GB, %.2f GB kept free)",
                            kvBytes / 1e9,
                            workspaceBytes / 1e9,
                            m.freeBytes() / 1e9,
                            m.totalBytes() / 1e9,
                            m.weightBytes() / 1e9,
                            m.workspaceBytes() / 1e9,
                            FIT_MARGIN / 1e9));
        }
    }

    /** Device memory left free by the fit check (the driver's and kernels' own needs). */
    static final long FIT_MARGIN = 512L << 20;

    /** What the device holds: weights, workspace, the KV caches of open sequences, free, total. */
    public record DeviceMemory(
            long weightBytes, long workspaceBytes, long kvBytes, long freeBytes, long totalBytes) {}

    /** Device memory now, with {@code kvBytes} the caller's open sequences hold. */
    public synchronized DeviceMemory memory(long kvBytes) {
        cuda.makeCurrent();
        long[] free = new long[1], total = new long[1];
        jcuda.driver.JCudaDriver.cuMemGetInfo(free, total);
        return new DeviceMemory(
                weights.deviceBytes, forward.workspaceBytes(), kvBytes, free[0], total[0]);
    }

    /** A fork of {@code s}: its caches copied on the device, the same policy. */
    synchronized CudaKvState copy(CudaKvState s) {
        cuda.makeCurrent();
        checkFits(s.deviceBytes(), 0);
        return s.copy();
    }

    /**
     * Greedy decoding of B sequences together: each step runs one token of every sequence through
     * the model (the linear layers over B rows, each row's attention over its own caches) and
     * writes each row's argmax on the device as the next step's token, so the host never waits
     * inside the loop. With bf16 caches the steps after the first are one CUDA graph, captured once
     * and replayed ({@code -Dheadroom.gpu.graphs=false} launches every step instead).
     *
     * @param first the token each sequence appends first
     * @return the tokens the last step chose, one per sequence
     */
    public synchronized int[] decodeGreedy(List<CudaSequence> batch, int[] first, int steps) {
        if (batch.isEmpty() || first.length != batch.size() || steps < 1)
            throw new IllegalArgumentException(
                    batch.size() + " sequences, " + first.length + " tokens, " + steps + " steps");
        if (batch.size() > CudaForward.CHUNK)
            throw new IllegalArgumentException("batch over " + CudaForward.CHUNK);
        checkIds(first);
        cuda.makeCurrent();
        CudaKvState[] states = new CudaKvState[batch.size()];
        for (int b = 0; b < states.length; b++) states[b] = batch.get(b).state();
        for (CudaKvState s : states)
            if (s.quantizesOnHost())
                throw new IllegalArgumentException(
                        "batched decoding of fp32 caches with quantized formats is not supported;"
                                + " decode them one sequence at a time");
        forward.forward(first, states, CudaForward.Logits.ARGMAX);
        boolean graphs = steps > 1 && !"false".equals(System.getProperty("headroom.gpu.graphs"));
        for (CudaKvState s : states) graphs &= s.storage == KvStorage.BF16;
        lastReplayMsPerStep = Double.NaN;
        lastDecodePath = graphs ? "graph" : "launches (fp32 caches or one step)";
        if (graphs) {
            try {
                lastReplayMsPerStep = forward.decodeReplayed(states, steps - 1) / (steps - 1);
                return forward.lastArgmax(states.length);
            } catch (IllegalArgumentException | jcuda.CudaException e) {
                lastDecodePath = "launches (no graph: " + e.getMessage() + ")";
            }
        }
        for (int step = 1; step < steps; step++)
            forward.forwardIds(states.length, states, CudaForward.Logits.ARGMAX);
        return forward.lastArgmax(states.length);
    }

    private double lastReplayMsPerStep = Double.NaN;
    private String lastDecodePath = "";

    /** How the last {@link #decodeGreedy} ran its steps: "graph", or launches and why. */
    public synchronized String lastDecodePath() {
        return lastDecodePath;
    }

    /**
     * Device milliseconds per step of the last {@link #decodeGreedy}'s replayed steps (all but the
     * first, captured once into a CUDA graph; bf16 caches), NaN where it ran without a graph.
     */
    public synchronized double lastReplayMsPerStep() {
        return lastReplayMsPerStep;
    }

    /** Waits for the device (the end of timed work). */
    public synchronized void synchronize() {
        cuda.makeCurrent();
        cuda.synchronize();
    }

    private void checkIds(int[] ids) {
        for (int id : ids)
            if (id < 0 || id >= config.vocabSize())
                throw new IllegalArgumentException(
                        "token id "
                                + id
                                + " is outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
    }

    /**
     * Runs ids through the model: a prompt into a fresh bf16 cache in one call (flash prefill),
     * else chunks of at most {@link CudaForward#CHUNK} tokens.
     *
     * @return [T][V] when {@code allPositions}, else one row: the last position's logits
     */
    synchronized float[][] run(int[] ids, CudaKvState state, boolean allPositions) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens");
        checkIds(ids);
        cuda.makeCurrent();
        int vocab = config.vocabSize();
        int chunk =
                !allPositions && state.storage == KvStorage.BF16 && state.position() == 0
                        ? ids.length
                        : state.chunkLimit(CudaForward.CHUNK);
        CudaKvState[] states = {state};
        float[][] out = new float[allPositions ? ids.length : 1][];
        int start = state.position();
        boolean quantizes = state.quantizesOnHost();
        for (int from = 0; from < ids.length; from += chunk) {
            int to = Math.min(ids.length, from + chunk);
            if (quantizes && ids.length > 1) state.beforeChunk(start + from, start + to);
            boolean lastChunk = to == ids.length;
            CudaForward.Logits which =
                    allPositions
                            ? CudaForward.Logits.ALL
                            : lastChunk ? CudaForward.Logits.LAST : CudaForward.Logits.NONE;
            float[] flat =
                    forward.forward(java.util.Arrays.copyOfRange(ids, from, to), states, which);
            if (allPositions) {
                for (int i = from; i < to; i++)
                    out[i] =
                            java.util.Arrays.copyOfRange(
                                    flat, (i - from) * vocab, (i - from + 1) * vocab);
            } else if (lastChunk) out[0] = flat;
        }
        if (quantizes) state.afterCall(start);
        return out;
    }

    synchronized void release(CudaKvState state) {
        cuda.makeCurrent();
        state.close();
    }

    @Override
    public synchronized void close() {
        cuda.makeCurrent();
        forward.close();
        weights.close();
        cuda.close();
    }
}
