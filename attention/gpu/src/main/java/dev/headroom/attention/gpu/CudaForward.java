package dev.headroom.attention.gpu;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;

/**
 * The decoder forward pass on the device, for the Llama, Mistral and Qwen2 families, in the manner
 * of llama2.c's forward(): Config ({@link ModelConfig}), Weights ({@link CudaWeights}) and State
 * ({@link CudaKvState}) apart, this class holding only the activation buffers. A call takes T
 * tokens, either T consecutive tokens of one sequence at positions state.position() onwards (a
 * prompt or a part of one), or one token of each of T sequences (a batched decode step). The
 * buffers grow with the longest call; the MLP runs in blocks of {@link #MLP_ROWS} rows, and
 * attention never forms a T x T matrix (fp32 caches: runtime.cu's kernel over the cache and the
 * call's own keys; bf16 caches: {@link Bf16KvAttention}).
 *
 * <p>Shapes: T tokens of the call, D hidden, H/KV query/KV heads, hd head dim, Q = (H + 2 KV) hd
 * the fused qkv row, F' the padded MLP width, V vocabulary. The residual stream x is fp32. In
 * {@link CudaPrecision#BF16} the linear layers read bf16 inputs (RMSNorm and SwiGLU write them, the
 * attention output is bf16) on the tensor-core kernels; in {@link CudaPrecision#FP32} everything is
 * fp32. Not thread-safe: the runtime serializes calls.
 */
final class CudaForward implements AutoCloseable {
    /** Tokens per call for fp32 caches and for calls returning every position's logits. */
    static final int CHUNK = 256;

    /** Rows of one MLP block (bounds the gate/up buffer whatever the prompt length). */
    static final int MLP_ROWS = 4096;

    /** Which positions' logits a call returns. */
    enum Logits {
        /** None (a chunk before the last). */
        NONE,
        /** The last row's [V]. */
        LAST,
        /** Every row's [T][V] (at most CHUNK rows). */
        ALL,
        /**
         * Nothing to the host: each row's argmax is written into the token-id buffer, the next
         * call's input.
         */
        ARGMAX
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
    private final ArgmaxKernel argmax;
    private final Bf16KvAttention bf16Attention; // null where the model has no bf16 cache kernels
    private final int qkvWidth, attWidth;
    // activations: [rows] buffers grow with the longest call, the MLP's hold MLP_ROWS rows
    private DeviceBuffer ids, x, xn, qkv, att, att16;
    private int rows;
    private final DeviceBuffer gateUp, hidden, xLast, logits;
    private final DeviceBuffer positions; // int [CHUNK]: rows' positions in a captured decode step
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
        this.argmax = new ArgmaxKernel(cuda, CHUNK, c.vocabSize());
        this.bf16Attention =
                precision == CudaPrecision.BF16 && Bf16KvAttention.supports(c)
                        ? new Bf16KvAttention(cuda, c)
                        : null;
        int fp = w.paddedFfn;
        qkvWidth = (c.numHeads() + 2 * c.numKvHeads()) * c.headDim();
        attWidth = c.numHeads() * c.headDim();
        growRows(CHUNK);
        long block = MLP_ROWS;
        gateUp = cuda.allocate(4 * block * 2 * fp); // [rows][2 F'] (bf16 or fp32)
        hidden = cuda.allocate(4 * block * fp); // [rows][F'] (bf16 or fp32)
        xLast = cuda.allocate(4L * c.hiddenSize()); // [1][D]
        logits = cuda.allocate(4L * CHUNK * c.vocabSize()); // [CHUNK][V] fp32
        positions = cuda.allocate(4L * CHUNK);
        growRope(Math.max(c.maxPositions(), CHUNK));
    }

    /** Device bytes of the buffers that grow with the call's T rows. */
    static long rowBytes(ModelConfig c, long t) {
        long d = c.hiddenSize(), att = (long) c.numHeads() * c.headDim();
        long q = (long) (c.numHeads() + 2 * c.numKvHeads()) * c.headDim();
        return t * (4 + 4 * d + 4 * Math.max(d, att) + 4 * q + 4 * att + 2 * att);
    }

    /** Extra device bytes a call of {@code t} rows needs beyond what is allocated now. */
    long extraBytesFor(int t) {
        long more = t > rows ? rowBytes(c, t) - rowBytes(c, rows) : 0;
        if (bf16Attention != null) more += Bf16KvAttention.scratchBytes(c, t);
        if (t > tablePositions) more += 8L * (c.headDim() / 2) * Math.max(t, 2 * tablePositions);
        return more;
    }

    private void growRows(int t) {
        if (t <= rows) return;
        closeRows();
        int d = c.hiddenSize();
        ids = cuda.allocate(4L * t);
        x = cuda.allocate(4L * t * d); // [T][D] fp32 residual stream
        xn = cuda.allocate(4L * t * Math.max(d, attWidth)); // [T][D] normed (bf16 or fp32)
        qkv = cuda.allocate(4L * t * qkvWidth); // [T][Q] fp32
        att = cuda.allocate(4L * t * attWidth); // [T][H hd] fp32 (fp32 caches)
        att16 = cuda.allocate(2L * t * attWidth); // [T][H hd] bf16
        rows = t;
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

    /** Device bytes of the activation buffers, tables and attention scratch. */
    long workspaceBytes() {
        long sum = bf16Attention == null ? 0 : bf16Attention.deviceBytes();
        for (DeviceBuffer b :
                new DeviceBuffer[] {
                    ids, x, xn, qkv, att, att16, gateUp, hidden, xLast, logits, cos, sin
                }) sum += b.bytes();
        return sum;
    }

    /**
     * Runs {@code tokens} through the model: T consecutive tokens of one sequence ({@code
     * states.length == 1}), or one token of each of T sequences ({@code states.length == T}),
     * appending their keys and values.
     *
     * @return logits [T][V] for {@link Logits#ALL}, the last row's [V] for {@link Logits#LAST},
     *     null for {@link Logits#NONE} and {@link Logits#ARGMAX}
     */
    float[] forward(int[] tokens, CudaKvState[] states, Logits which) {
        growRows(tokens.length);
        ids.upload(tokens);
        return forwardIds(tokens.length, states, which);
    }

    /**
     * As {@link #forward}, the T token ids already in the id buffer (the last ARGMAX call wrote
     * them): a decode step that never waits for the host.
     */
    float[] forwardIds(int t, CudaKvState[] states, Logits which) {
        int d = c.hiddenSize(), vocab = c.vocabSize();
        boolean batch = states.length > 1;
        if (t < 1 || (batch && states.length != t))
            throw new IllegalArgumentException(t + " tokens for " + states.length + " sequences");
        if (which == Logits.ALL && t > CHUNK || which == Logits.ARGMAX && t > CHUNK)
            throw new IllegalArgumentException("logits of " + t + " rows");
        growRows(t);
        int last = 0;
        for (CudaKvState s : states) last = Math.max(last, s.position() + (batch ? 1 : t));
        if (last > tablePositions) growRope(Math.max(last, 2 * tablePositions));
        for (CudaKvState s : states) s.reserve(batch ? 1 : t);
        embed(t); // x [T][D]
        layers(t, states, null);
        for (CudaKvState s : states) s.advance(batch ? 1 : t);
        if (which == Logits.NONE) return null;
        int outRows = which == Logits.LAST ? 1 : t;
        DeviceBuffer lastRows = x;
        if (which == Logits.LAST && t > 1) {
            rt.copyRows(x, xLast, t - 1, 1, d);
            lastRows = xLast;
        }
        logits(lastRows, outRows); // logits [rows][V]
        if (which == Logits.ARGMAX) {
            argmax.run(logits, ids, outRows); // ids [T]: the next step's tokens
            return null;
        }
        return logits.downloadFloats(outRows * vocab);
    }

    /**
     * {@code steps} greedy decode steps of one token per sequence (bf16 caches), starting from the
     * ids in the id buffer (the last ARGMAX call wrote them): one step is captured into a CUDA
     * graph with the positions in device memory, then replayed {@code steps} times with no host
     * work in between. The host's counts (positions, pairs, cache tokens) move after the replays.
     *
     * @return device milliseconds of the replays (CUDA events)
     */
    double decodeReplayed(CudaKvState[] states, int steps) {
        int t = states.length;
        if (t > CHUNK) throw new IllegalArgumentException("batch of " + t);
        int[] position = new int[t];
        int last = 0;
        for (int b = 0; b < t; b++) {
            CudaKvState s = states[b];
            if (s.storage != KvStorage.BF16)
                throw new IllegalArgumentException("graph decode needs bf16 caches");
            s.reserve(steps);
            position[b] = s.position();
            last = Math.max(last, s.position() + steps);
        }
        growRows(t);
        if (last > tablePositions) growRope(Math.max(last, 2 * tablePositions));
        positions.upload(position);
        CompressedKvCache[][] caches = new CompressedKvCache[t][];
        for (int b = 0; b < t; b++) caches[b] = states[b].bf16;
        double ms;
        try (Bf16KvAttention.Batch batch = bf16Attention.new Batch(caches, last);
                CudaGraph graph =
                        cuda.capture(
                                () -> {
                                    embed(t);
                                    layers(t, states, batch);
                                    logits(x, t);
                                    argmax.run(logits, ids, t); // the next step's tokens
                                    cuda.launch(
                                            cuda.function("runtime", "rt_advance_positions"),
                                            new int[] {(t + 255) / 256},
                                            256,
                                            0,
                                            positions,
                                            t);
                                })) {
            ms = graph.replay(steps);
        }
        for (CudaKvState s : states) s.advanceReplayed(steps);
        return ms;
    }

    private void embed(int t) {
        if (precision == CudaPrecision.FP32)
            rt.embed(ids, w.embed, x, t, c.vocabSize(), c.hiddenSize());
        else embedding.run(ids, w.embed, x, t, c.vocabSize(), c.hiddenSize());
    }

    /** logits [rows][V] = lm_head(RMSNorm(in rows)). */
    private void logits(DeviceBuffer in, int rows) {
        normalize(in, w.finalNorm, xn, rows, c.hiddenSize());
        linear(xn, w.lmHead, logits, rows, c.vocabSize(), c.hiddenSize(), false);
    }

    /**
     * The decoder layers over x [T][D]: one sequence's T tokens ({@code states.length == 1}) or one
     * token of each of T sequences. With {@code captured} (a captured decode step, bf16 caches),
     * row r's position is read from the device's positions[r].
     */
    private void layers(int t, CudaKvState[] states, Bf16KvAttention.Batch captured) {
        int d = c.hiddenSize(), fp = w.paddedFfn;
        boolean batch = states.length > 1;
        for (int l = 0; l < c.numLayers(); l++) {
            CudaWeights.Layer lw = w.layers[l];
            // attention block
            normalize(x, lw.attnNorm(), xn, t, d); // xn [T][D]
            linear(xn, lw.wqkv(), qkv, t, qkvWidth, d, false); // qkv [T][Q]
            if (lw.bqkv() != null) rt.addBias(qkv, lw.bqkv(), t, qkvWidth);
            DeviceBuffer attIn; // [T][H hd], what o_proj reads
            if (captured != null) {
                bf16Attention.stepBatch(captured, l, qkv, cos, sin, positions, att16); // roped here
                attIn = att16;
            } else if (!batch) attIn = attend(l, states[0], qkv, t);
            else {
                for (int r = 0; r < t; r++)
                    attend(l, states[r], row(qkv, r, 4L * qkvWidth), 1, r); // row r's own sequence
                attIn = states[0].storage == KvStorage.BF16 ? att16 : asLinearInput(t);
            }
            linear(attIn, lw.wo(), x, t, d, attWidth, true); // x += att Wo^T
            if (lw.bo() != null) rt.addBias(x, lw.bo(), t, d);
            // SwiGLU MLP block, MLP_ROWS rows at a time
            normalize(x, lw.mlpNorm(), xn, t, d);
            int xnBytes = precision == CudaPrecision.FP32 ? 4 : 2;
            for (int r0 = 0; r0 < t; r0 += MLP_ROWS) {
                int m = Math.min(MLP_ROWS, t - r0);
                DeviceBuffer in = xn.slice((long) xnBytes * r0 * d, (long) xnBytes * m * d);
                DeviceBuffer out = x.slice(4L * r0 * d, 4L * m * d);
                if (precision == CudaPrecision.FP32) {
                    rt.matmul(in, lw.wGateUp(), gateUp, m, 2 * fp, d, false); // [m][2 F']
                    rt.swiglu(gateUp, hidden, m, fp); // [m][F']
                } else {
                    gemm.linear(in, lw.wGateUp(), gateUp, m, 2 * fp, d, GemmKernel.Output.BF16);
                    swiglu.run(gateUp, hidden, m, fp);
                }
                linear(hidden, lw.wDown(), out, m, d, fp, true); // x += hidden Wdown^T
            }
        }
    }

    /** The greedy tokens the last ARGMAX call wrote, [T] (waits for the device). */
    int[] lastArgmax(int t) {
        return ids.downloadInts(t);
    }

    /**
     * Attention of the T qkv rows of one sequence (RoPE applied here), appending their keys and
     * values; returns o_proj's input [T][H hd].
     */
    private DeviceBuffer attend(int l, CudaKvState s, DeviceBuffer qkvRows, int t) {
        attend(l, s, qkvRows, t, 0);
        return s.storage == KvStorage.BF16 ? att16 : asLinearInput(t);
    }

    /** As above, the output going to rows [outRow, outRow + T) of att (fp32 caches) or att16. */
    private void attend(int l, CudaKvState s, DeviceBuffer qkvRows, int t, int outRow) {
        int h = c.numHeads(), kv = c.numKvHeads(), hd = c.headDim(), pos0 = s.position();
        rt.rope(qkvRows, cos, sin, pos0, t, h + kv, hd, qkvWidth, 0); // q and k heads
        if (s.storage == KvStorage.BF16) {
            bf16Attention.run(
                    s.bf16[l],
                    s.patterns[l],
                    qkvRows,
                    row(att16, outRow, 2L * attWidth),
                    t); // att16 rows [T][H hd]
            return;
        }
        int cap = s.capacity(l);
        DeviceBuffer out = row(att, outRow, 4L * attWidth);
        rt.attention(
                qkvRows,
                s.keys[l],
                s.values[l],
                s.sink[l],
                s.window[l],
                out,
                pos0,
                t,
                h,
                kv,
                hd,
                cap); // att rows [T][H hd]
        rt.kvAppend(
                qkvRows, s.keys[l], s.values[l], s.sink[l], s.window[l], pos0, t, h, kv, hd, cap);
    }

    /** fp32 attention output as o_proj's input: itself in fp32, rounded once to bf16 in bf16. */
    private DeviceBuffer asLinearInput(int t) {
        if (precision == CudaPrecision.FP32) return att;
        rt.toBf16(att, att16, (long) t * attWidth);
        return att16;
    }

    /** Rows [r, end) of a [rows][rowBytes] buffer. */
    private static DeviceBuffer row(DeviceBuffer b, int r, long rowBytes) {
        return b.slice(r * rowBytes, b.bytes() - r * rowBytes);
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

    private void closeRows() {
        for (DeviceBuffer b : new DeviceBuffer[] {ids, x, xn, qkv, att, att16})
            if (b != null) b.close();
    }

    @Override
    public void close() {
        closeRows();
        for (DeviceBuffer b :
                new DeviceBuffer[] {gateUp, hidden, xLast, logits, positions, cos, sin})
            if (b != null) b.close();
        argmax.close();
        if (bf16Attention != null) bf16Attention.close();
    }
}
