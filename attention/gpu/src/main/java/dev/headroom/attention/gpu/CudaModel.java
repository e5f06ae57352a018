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

    @Override
    public RuntimeSequence open(
            AttentionPolicy policy, int promptLength, ArtifactResolver artifacts) {
        synchronized (this) {
            cuda.makeCurrent();
            return new CudaSequence(
                    this, new CudaKvState(cuda, kernels, config, policy, promptLength, artifacts));
        }
    }

    /**
     * Runs ids through the model in chunks of at most {@link CudaForward#CHUNK} tokens.
     *
     * @return [T][V] when {@code allPositions}, else one row: the last position's logits
     */
    synchronized float[][] run(int[] ids, CudaKvState state, boolean allPositions) {
        if (ids.length == 0) throw new IllegalArgumentException("no tokens");
        for (int id : ids)
            if (id < 0 || id >= config.vocabSize())
                throw new IllegalArgumentException(
                        "token id "
                                + id
                                + " is outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
        cuda.makeCurrent();
        int vocab = config.vocabSize();
        float[][] out = new float[allPositions ? ids.length : 1][];
        for (int from = 0; from < ids.length; from += CudaForward.CHUNK) {
            int to = Math.min(ids.length, from + CudaForward.CHUNK);
            boolean lastChunk = to == ids.length;
            CudaForward.Logits which =
                    allPositions
                            ? CudaForward.Logits.ALL
                            : lastChunk ? CudaForward.Logits.LAST : CudaForward.Logits.NONE;
            float[] flat =
                    forward.forward(java.util.Arrays.copyOfRange(ids, from, to), state, which);
            if (allPositions) {
                for (int i = from; i < to; i++)
                    out[i] =
                            java.util.Arrays.copyOfRange(
                                    flat, (i - from) * vocab, (i - from + 1) * vocab);
            } else if (lastChunk) out[0] = flat;
        }
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
