package dev.headroom.attention.gpu;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;

/**
 * The decoder forward pass on the device, for the Llama, Mistral and Qwen2 families, in the manner
 * of llama2.c's forward(): Config ({@link ModelConfig}), Weights ({@link CudaWeights}) and State
 * ({@link CudaKvState}) apart, this class holding only the activation buffers of one chunk. A call
 * takes up to {@link #CHUNK} tokens at positions state.position() onwards; longer prompts go
 * through in chunks (so no buffer grows with the prompt, and attention never forms a T x T matrix).
 *
 * <p>Shapes: T tokens of the chunk, D hidden, H/KV query/KV heads, hd head dim, Q = (H + 2 KV) hd
 * the fused qkv row, F' the padded MLP width, V vocabulary. The residual stream x is fp32. In
 * {@link CudaPrecision#BF16} the linear layers read bf16 inputs (RMSNorm and SwiGLU write them, the
 * attention output is rounded once) on the tensor-core kernels; in {@link CudaPrecision#FP32}
 * everything is fp32. Not thread-safe: the runtime serializes calls.
 */
final class CudaForward implements AutoCloseable {
    static final int CHUNK = 256;

    /** Which positions' logits a call returns. */
    enum Logits {
        NONE,
        LAST,
        ALL
    }

    private final CudaContext cuda;
    private final ModelConfig c;
    private final CudaWeights w;
    private final CudaPrecision precision;
    private final RuntimeKernels rt;
    private final GemmKernel gemm;
    private final RmsNormKernel norm;
    private final SwiGluKernel swiglu;
    private final EmbeddingKernel embedding;
    private final int qkvWidth, attWidth;
    // activations of one chunk
    private final DeviceBuffer ids, x, xn, qkv, att, att16, gateUp, hidden, xLast, logits;
    private DeviceBuffer cos, sin; // [positions][hd/2], grown on demand
    private int tablePositions;

    CudaForward(CudaContext cuda, ModelConfig c, CudaWeights w, CudaPrecision precision) {
        this.cuda = cuda;
        this.c = c;
        this.w = w;
        this.precision = precision;
        this.rt = new RuntimeKernels(cuda);
        this.gemm = new GemmKernel(cuda);
        this.norm = new RmsNormKernel(cuda);
        this.swiglu = new SwiGluKernel(cuda);
        this.embedding = new EmbeddingKernel(cuda);
        int d = c.hiddenSize(), fp = w.paddedFfn;
        qkvWidth = (c.numHeads() + 2 * c.numKvHeads()) * c.headDim();
        attWidth = c.numHeads() * c.headDim();
        long t = CHUNK;
        ids = cuda.allocate(4 * t);
        x = cuda.allocate(4 * t * d); // [T][D] fp32 residual stream
        xn = cuda.allocate(4 * t * Math.max(d, attWidth)); // [T][D] normed (bf16 or fp32)
        qkv = cuda.allocate(4 * t * qkvWidth); // [T][Q] fp32
        att = cuda.allocate(4 * t * attWidth); // [T][H hd] fp32
        att16 = cuda.allocate(2 * t * attWidth); // [T][H hd] bf16
        gateUp = cuda.allocate(4 * t * 2 * fp); // [T][2 F'] (bf16 or fp32)
        hidden = cuda.allocate(4 * t * fp); // [T][F'] (bf16 or fp32)
        xLast = cuda.allocate(4L * d); // [1][D]
        logits = cuda.allocate(4 * t * c.vocabSize()); // [T][V] fp32
        growRope(Math.max(c.maxPositions(), CHUNK));
    }

    /** Upload of cos/sin [positions][hd/2] as RotaryTable computes them (fp32 angles). */
    private void growRope(int positions) {
        int half = c.headDim() / 2;
        RotaryTable table = new RotaryTable(c);
        float[] cs = new float[positions * half], sn = new float[positions * half];
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < half; i++) {
                cs[p * half + i] = table.cos(p, i);
                sn[p * half + i] = table.sin(p, i);
            }
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = cuda.allocate(4L * cs.length).upload(cs);
        sin = cuda.allocate(4L * sn.length).upload(sn);
        tablePositions = positions;
    }

    /** Device bytes of the activation buffers and tables. */
    long workspaceBytes() {
        long sum = 0;
        for (DeviceBuffer b :
                new DeviceBuffer[] {
                    ids, x, xn, qkv, att, att16, gateUp, hidden, xLast, logits, cos, sin
                }) sum += b.bytes();
        return sum;
    }

    /**
     * Runs {@code tokens} (at most {@link #CHUNK}) through the model at the state's position,
     * appending their keys and values.
     *
     * @return logits [T][V] for {@link Logits#ALL}, the last position's [V] for {@link
     *     Logits#LAST}, null for {@link Logits#NONE} (a chunk before the last)
     */
    float[] forward(int[] tokens, CudaKvState state, Logits which) {
        int t = tokens.length, pos0 = state.position();
        int d = c.hiddenSize(), h = c.numHeads(), kv = c.numKvHeads(), hd = c.headDim();
        int fp = w.paddedFfn, vocab = c.vocabSize();
        if (t < 1 || t > CHUNK) throw new IllegalArgumentException("chunk of " + t + " tokens");
        if (pos0 + t > tablePositions) growRope(Math.max(pos0 + t, 2 * tablePositions));
        state.reserve(t);
        ids.upload(tokens);
        if (precision == CudaPrecision.FP32) rt.embed(ids, w.embed, x, t, vocab, d);
        else embedding.run(ids, w.embed, x, t, vocab, d); // x [T][D]
        for (int l = 0; l < c.numLayers(); l++) {
            CudaWeights.Layer lw = w.layers[l];
            // attention block
            normalize(x, lw.attnNorm(), xn, t, d); // xn [T][D]
            linear(xn, lw.wqkv(), qkv, t, qkvWidth, d, false); // qkv [T][Q]
            if (lw.bqkv() != null) rt.addBias(qkv, lw.bqkv(), t, qkvWidth);
            rt.rope(qkv, cos, sin, pos0, t, h + kv, hd, qkvWidth, 0); // q and k heads
            int cap = state.capacity(l);
            rt.attention(
                    qkv,
                    state.keys[l],
                    state.values[l],
                    state.sink[l],
                    state.window[l],
                    att,
                    pos0,
                    t,
                    h,
                    kv,
                    hd,
                    cap); // att [T][H hd]
            rt.kvAppend(
                    qkv,
                    state.keys[l],
                    state.values[l],
                    state.sink[l],
                    state.window[l],
                    pos0,
                    t,
                    h,
                    kv,
                    hd,
                    cap);
            DeviceBuffer attIn = att;
            if (precision == CudaPrecision.BF16) {
                rt.toBf16(att, att16, (long) t * attWidth);
                attIn = att16;
            }
            linear(attIn, lw.wo(), x, t, d, attWidth, true); // x += att Wo^T
            if (lw.bo() != null) rt.addBias(x, lw.bo(), t, d);
            // SwiGLU MLP block
            normalize(x, lw.mlpNorm(), xn, t, d);
            if (precision == CudaPrecision.FP32) {
                rt.matmul(xn, lw.wGateUp(), gateUp, t, 2 * fp, d, false); // [T][2 F']
                rt.swiglu(gateUp, hidden, t, fp); // [T][F']
            } else {
                gemm.linear(xn, lw.wGateUp(), gateUp, t, 2 * fp, d, GemmKernel.Output.BF16);
                swiglu.run(gateUp, hidden, t, fp);
            }
            linear(hidden, lw.wDown(), x, t, d, fp, true); // x += hidden Wdown^T
        }
        state.advance(t);
        if (which == Logits.NONE) return null;
        int rows = which == Logits.ALL ? t : 1;
        DeviceBuffer last = x;
        if (which == Logits.LAST && t > 1) {
            rt.copyRows(x, xLast, t - 1, 1, d);
            last = xLast;
        }
        normalize(last, w.finalNorm, xn, rows, d);
        linear(xn, w.lmHead, logits, rows, vocab, d, false); // logits [rows][V]
        return logits.downloadFloats(rows * vocab);
    }

    /** y = RMSNorm(x) * weight, y bf16 or fp32 as the precision says. */
    private void normalize(
            DeviceBuffer in, DeviceBuffer weight, DeviceBuffer out, int rows, int d) {
        if (precision == CudaPrecision.FP32) rt.rmsNorm(in, weight, out, rows, d, eps());
        else norm.run(in, weight, out, rows, d, eps());
    }

    private float eps() {
        return (float) c.rmsNormEps();
    }

    /** y = in W^T (fp32 out), or y += in W^T. */
    private void linear(
            DeviceBuffer in,
            DeviceBuffer weight,
            DeviceBuffer y,
            int m,
            int n,
            int k,
            boolean add) {
        if (precision == CudaPrecision.FP32) rt.matmul(in, weight, y, m, n, k, add);
        else
            gemm.linear(
                    in,
                    weight,
                    y,
                    m,
                    n,
                    k,
                    add ? GemmKernel.Output.F32_ADD : GemmKernel.Output.F32);
    }

    @Override
    public void close() {
        for (DeviceBuffer b :
                new DeviceBuffer[] {
                    ids, x, xn, qkv, att, att16, gateUp, hidden, xLast, logits, cos, sin
                }) if (b != null) b.close();
    }
}
