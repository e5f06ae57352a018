package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.sun.management.OperatingSystemMXBean;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.CheckpointException;
import dev.headroom.attention.checkpoint.TensorInfo;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import dev.headroom.attention.runtime.Runtimes;
import dev.headroom.attention.tokenizer.ModelTokenizer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * The DJL CPU runtime: a checkpoint directory loaded for inference in fp32 (config, weights, the
 * tokenizer if any, and the forward pass). Sequences opened through {@link LanguageModelRuntime}
 * see plain arrays; training and profiling use {@link #transformer()} and {@link #newState}
 * directly, with NDArrays and autograd.
 */
public final class LoadedModel implements LanguageModelRuntime {
    private final Path directory;
    private final ModelConfig config;
    private final NDManager manager;
    private final Weights weights;
    private final Transformer transformer;
    private final ModelTokenizer tokenizer;

    private LoadedModel(
            Path directory,
            ModelConfig config,
            NDManager manager,
            Weights weights,
            ModelTokenizer tokenizer) {
        this.directory = directory;
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.transformer = new Transformer(config, weights);
        this.tokenizer = tokenizer;
    }

    /**
     * Refuses a NaN or infinite weight, naming its file, tensor and element: it would only surface
     * later as NaN answers. (The trainer loads through {@link Weights} and handles them itself.)
     */
    private static void checkFinite(Checkpoint ckpt, Weights w) {
        for (Map.Entry<String, NDArray> e : w.named().entrySet()) {
            NDArray a = e.getValue();
            if (!a.isNaN().any().getBoolean() && !a.isInfinite().any().getBoolean()) continue;
            float[] v = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            int i = 0;
            while (i < v.length && Float.isFinite(v[i])) i++;
            TensorInfo t = ckpt.tensors().get(e.getKey());
            throw new CheckpointException(
                    t.file(),
                    "tensor '"
                            + e.getKey()
                            + "' holds "
                            + (i < v.length ? v[i] : Float.NaN)
                            + " at element "
                            + i
                            + " of "
                            + v.length
                            + "; a checkpoint's weights must be finite");
        }
    }

    public static LoadedModel load(Path dir) {
        ModelConfig config = ConfigReader.read(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            config = config.withStoredDtype(ckpt.storedDtype());
            checkFitsInMemory(dir, config);
            ModelTokenizer tok = ModelTokenizer.openIfPresent(dir);
            NDManager m = NDManager.newBaseManager("PyTorch");
            try {
                Weights w = Weights.load(ckpt, config, m);
                checkFinite(ckpt, w);
                return new LoadedModel(dir, config, m, w, tok);
            } catch (RuntimeException e) {
                m.close();
                if (tok != null) tok.close();
                throw e;
            }
        }
    }

    /**
     * The CPU runtime of {@code dir} shared by this JVM ({@link Runtimes#shared}), for profiling
     * and training.
     */
    public static LoadedModel shared(Path dir) {
        return (LoadedModel) Runtimes.shared(dir, Backend.CPU);
    }

    /**
     * Refuses, before reading, a model whose fp32 weights would not fit in this machine's memory.
     */
    private static void checkFitsInMemory(Path dir, ModelConfig c) {
        long need = c.parameterCount() * 4;
        long have =
                ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize();
        if (need > have * 0.8) {
            throw new CheckpointException(
                    dir,
                    String.format(
                            "fp32 weights need %.1f GB but this machine has %.1f GB of memory",
                            need / 1e9, have / 1e9));
        }
    }

    @Override
    public Backend backend() {
        return Backend.CPU;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public Transformer transformer() {
        return transformer;
    }

    /** The tokenizer, or null for a model used in token ids. */
    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    public NDManager manager() {
        return manager;
    }

    public InferenceState newState(AttentionPolicy policy, int promptLength) {
        return new InferenceState(config, policy, promptLength);
    }

    @Override
    public RuntimeSequence open(
            AttentionPolicy policy, int promptLength, ArtifactResolver artifacts) {
        return new CpuSequence(this, new InferenceState(config, policy, promptLength, artifacts));
    }

    /**
     * Logits [T, V] of every position of one sequence (a fresh dense-cache pass), as a float array
     * per position.
     */
    public float[][] logits(int[] ids, AttentionPolicy policy) {
        try (NDScope scope = new NDScope();
                InferenceState state = newState(policy, ids.length)) {
            NDArray out =
                    transformer.forward(
                            idsArray(ids), state, AttentionObserver.NONE, false); // [1, T, V]
            float[] flat = out.toFloatArray();
            float[][] rows = new float[ids.length][config.vocabSize()];
            for (int i = 0; i < ids.length; i++)
                System.arraycopy(flat, i * config.vocabSize(), rows[i], 0, config.vocabSize());
            return rows;
        }
    }

    /** [1, T] int64 ids in this model's manager (callers close it, or open an NDScope). */
    public NDArray idsArray(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id "
                                + ids[i]
                                + " is outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
            }
            l[i] = ids[i];
        }
        return manager.create(l, new Shape(1, ids.length));
    }

    @Override
    public void close() {
        manager.close();
        if (tokenizer != null) tokenizer.close();
    }
}
