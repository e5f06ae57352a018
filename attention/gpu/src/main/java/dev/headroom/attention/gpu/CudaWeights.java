package dev.headroom.attention.gpu;

import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.TensorNames;
import dev.headroom.quantize.Bf16;
import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint's weights on the device, in the layouts the forward pass wants: q, k and v fused
 * into one [(H + 2 KV) hd][D] matrix (and their biases into one vector), gate and up fused into [2
 * F'][D] (gate first, as the SwiGLU kernels read them), down as [D][F']. F' is the MLP width
 * rounded up to a multiple of 8 (the tensor-core kernels' k), the extra gate/up rows and down
 * columns zero, so they add nothing. Elements are fp32 or bf16 as the {@link CudaPrecision} says;
 * biases stay fp32 (they are added to the fp32 outputs).
 */
final class CudaWeights implements AutoCloseable {
    /** One decoder layer. Bias buffers are null where the model has none. */
    record Layer(
            DeviceBuffer attnNorm,
            DeviceBuffer wqkv,
            DeviceBuffer bqkv,
            DeviceBuffer wo,
            DeviceBuffer bo,
            DeviceBuffer mlpNorm,
            DeviceBuffer wGateUp,
            DeviceBuffer wDown) {}

    final DeviceBuffer embed, finalNorm, lmHead; // lmHead == embed when tied
    final Layer[] layers;
    final int paddedFfn;
    final long deviceBytes;
    private final List<DeviceBuffer> owned;

    private CudaWeights(
            DeviceBuffer embed,
            DeviceBuffer finalNorm,
            DeviceBuffer lmHead,
            Layer[] layers,
            int paddedFfn,
            List<DeviceBuffer> owned) {
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = layers;
        this.paddedFfn = paddedFfn;
        this.owned = owned;
        long sum = 0;
        for (DeviceBuffer b : owned) sum += b.bytes();
        this.deviceBytes = sum;
    }

    /** The MLP width the device layout uses: F rounded up to a multiple of 8. */
    static int paddedFfn(int ffn) {
        return (ffn + 7) / 8 * 8;
    }

    /** Rows of {@code parts} one after another: the fused q|k|v (or gate|up) matrix. */
    static float[] concatRows(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A [rows][cols] matrix widened to [rows][paddedCols], the new columns zero. */
    static float[] padColumns(float[] m, int rows, int cols, int paddedCols) {
        if (paddedCols == cols) return m;
        float[] out = new float[rows * paddedCols];
        for (int r = 0; r < rows; r++) System.arraycopy(m, r * cols, out, r * paddedCols, cols);
        return out;
    }

    /** A [rows][cols] matrix grown to [paddedRows][cols], the new rows zero. */
    static float[] padRows(float[] m, int cols, int paddedRows) {
        return java.util.Arrays.copyOf(m, paddedRows * cols);
    }

    static CudaWeights load(
            CudaContext cuda, Checkpoint ckpt, ModelConfig c, CudaPrecision precision) {
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            Uploader up = new Uploader(cuda, precision, owned);
            int d = c.hiddenSize(),
                    q = c.numHeads() * c.headDim(),
                    kv = c.numKvHeads() * c.headDim(),
                    f = c.intermediateSize(),
                    fp = paddedFfn(f);
            DeviceBuffer embed = up.weights(ckpt.read(TensorNames.EMBED, c.vocabSize(), d));
            Layer[] layers = new Layer[c.numLayers()];
            for (int l = 0; l < layers.length; l++) {
                String p = "model.layers." + l + ".";
                float[] wq = ckpt.read(p + TensorNames.Q + ".weight", q, d),
                        wk = ckpt.read(p + TensorNames.K + ".weight", kv, d),
                        wv = ckpt.read(p + TensorNames.V + ".weight", kv, d);
                DeviceBuffer bqkv =
                        c.qkvBias()
                                ? up.f32(
                                        concatRows(
                                                ckpt.read(p + TensorNames.Q + ".bias", q),
                                                ckpt.read(p + TensorNames.K + ".bias", kv),
                                                ckpt.read(p + TensorNames.V + ".bias", kv)))
                                : null;
                DeviceBuffer bo =
                        c.outputBias() ? up.f32(ckpt.read(p + TensorNames.O + ".bias", d)) : null;
                float[] gate = padRows(ckpt.read(p + TensorNames.GATE, f, d), d, fp),
                        upProj = padRows(ckpt.read(p + TensorNames.UP, f, d), d, fp),
                        down = padColumns(ckpt.read(p + TensorNames.DOWN, d, f), d, f, fp);
                layers[l] =
                        new Layer(
                                up.weights(ckpt.read(p + TensorNames.ATTN_NORM, d)),
                                up.weights(concatRows(wq, wk, wv)),
                                bqkv,
                                up.weights(ckpt.read(p + TensorNames.O + ".weight", d, q)),
                                bo,
                                up.weights(ckpt.read(p + TensorNames.MLP_NORM, d)),
                                up.weights(concatRows(gate, upProj)),
                                up.weights(down));
            }
            DeviceBuffer finalNorm = up.weights(ckpt.read(TensorNames.FINAL_NORM, d));
            DeviceBuffer lmHead =
                    c.tieWordEmbeddings()
                            ? embed
                            : up.weights(ckpt.read(TensorNames.LM_HEAD, c.vocabSize(), d));
            return new CudaWeights(embed, finalNorm, lmHead, layers, fp, owned);
        } catch (RuntimeException e) {
            owned.forEach(DeviceBuffer::close);
            throw e;
        }
    }

    /**
     * Random bf16 weights of a config's shape made on the device (for speed benchmarks: no
     * checkpoint to read): linear layers uniform in ±1/sqrt(fan-in), the embedding and head in ±1,
     * norm weights 1, no biases. The padded MLP rows and columns are random too (a speed run does
     * not care).
     */
    static CudaWeights random(CudaContext cuda, ModelConfig c, long seed) {
        if (c.qkvBias() || c.outputBias())
            throw new IllegalArgumentException("random weights have no biases");
        List<DeviceBuffer> owned = new ArrayList<>();
        long[] nextSeed = {seed};
        try {
            int d = c.hiddenSize(),
                    q = c.numHeads() * c.headDim(),
                    qkv = (c.numHeads() + 2 * c.numKvHeads()) * c.headDim(),
                    fp = paddedFfn(c.intermediateSize());
            java.util.function.BiFunction<Long, Integer, DeviceBuffer> matrix =
                    (elements, fanIn) -> {
                        DeviceBuffer b = cuda.allocate(2L * elements);
                        owned.add(b);
                        float a = fanIn == 0 ? 1f : (float) (1 / Math.sqrt(fanIn));
                        RandomFill.uniformBf16(cuda, b, elements, nextSeed[0]++, -a, a);
                        return b;
                    };
            java.util.function.IntFunction<DeviceBuffer> ones =
                    n -> {
                        DeviceBuffer b = cuda.allocate(2L * n);
                        owned.add(b);
                        b.fillShorts(BF16_ONE);
                        return b;
                    };
            DeviceBuffer embed = matrix.apply((long) c.vocabSize() * d, 0);
            Layer[] layers = new Layer[c.numLayers()];
            for (int l = 0; l < layers.length; l++)
                layers[l] =
                        new Layer(
                                ones.apply(d),
                                matrix.apply((long) qkv * d, d),
                                null,
                                matrix.apply((long) d * q, q),
                                null,
                                ones.apply(d),
                                matrix.apply(2L * fp * d, d),
                                matrix.apply((long) d * fp, fp));
            DeviceBuffer finalNorm = ones.apply(d);
            DeviceBuffer lmHead =
                    c.tieWordEmbeddings() ? embed : matrix.apply((long) c.vocabSize() * d, d);
            cuda.synchronize();
            return new CudaWeights(embed, finalNorm, lmHead, layers, fp, owned);
        } catch (RuntimeException e) {
            owned.forEach(DeviceBuffer::close);
            throw e;
        }
    }

    /** bf16 1.0. */
    private static final short BF16_ONE = 0x3f80;

    /** Copies host floats to the device in the precision's element type. */
    private record Uploader(CudaContext cuda, CudaPrecision precision, List<DeviceBuffer> owned) {
        DeviceBuffer weights(float[] host) {
            if (precision == CudaPrecision.FP32) return f32(host);
            DeviceBuffer b = cuda.allocate(2L * host.length).upload(Bf16.fromFloats(host));
            owned.add(b);
            return b;
        }

        DeviceBuffer f32(float[] host) {
            DeviceBuffer b = cuda.allocate(4L * host.length).upload(host);
            owned.add(b);
            return b;
        }
    }

    @Override
    public void close() {
        owned.forEach(DeviceBuffer::close);
        owned.clear();
    }
}
