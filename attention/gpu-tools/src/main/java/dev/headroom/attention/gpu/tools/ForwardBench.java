package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.gpu.ArgmaxKernel;
import dev.headroom.attention.gpu.CopyKernel;
import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.DeviceBuffer;
import dev.headroom.attention.gpu.EmbeddingKernel;
import dev.headroom.attention.gpu.GemmKernel;
import dev.headroom.attention.gpu.GemvKernel;
import dev.headroom.attention.gpu.RandomFill;
import dev.headroom.attention.gpu.ResidualAddKernel;
import dev.headroom.attention.gpu.RmsNormKernel;
import dev.headroom.attention.gpu.RopeKernel;
import dev.headroom.attention.gpu.SwiGluKernel;
import dev.headroom.attention.model.RopeConfig;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Times the forward-pass kernels on the Llama-3.1-8B shapes (hidden 4096, 32 query and 8 KV heads
 * of 128, FFN 14336, vocab 128256) with {@link EventTimer}: the linear layers as GEMM at M = 8192,
 * 8 and 1 tokens and as GEMV at batch 1 and 8, and the element-wise kernels at 1 and 8192 tokens.
 * Each row carries the operations and the fewest bytes the kernel must move, so the table can give
 * TFLOP/s and GB/s; scripts/gpu/kernel_peers.py times torch.matmul on the same shapes and a copy in
 * the same job and joins them. Inputs are random (never zeros).
 */
final class ForwardBench {
    static final int HIDDEN = 4096, FFN = 14336, VOCAB = 128256, HEADS = 32, KV_HEADS = 8;
    static final int HEAD_DIM = 128, TOKENS = 8192;

    /** The linear layers of one decoder layer and the LM head: name, n (out), k (in). */
    static final Object[][] LAYERS = {
        {"qkv", (HEADS + 2 * KV_HEADS) * HEAD_DIM, HIDDEN},
        {"o", HIDDEN, HEADS * HEAD_DIM},
        {"gate_up", 2 * FFN, HIDDEN},
        {"down", HIDDEN, FFN},
        {"lm_head", VOCAB, HIDDEN},
    };

    private final CudaContext cuda;
    private final EventTimer timer;
    private final boolean quick;
    private final Consumer<String> sink;

    ForwardBench(CudaContext cuda, EventTimer timer, boolean quick, Consumer<String> sink) {
        this.cuda = cuda;
        this.timer = timer;
        this.quick = quick;
        this.sink = sink;
    }

    private void row(
            String family,
            String name,
            int m,
            int n,
            int k,
            double ms,
            double flops,
            double bytes,
            String variant) {
        sink.accept(
                String.format(
                        Locale.ROOT,
                        "{\"family\":\"%s\",\"name\":\"%s\",\"kind\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,"
                                + "\"ms\":%.6f,\"flops\":%.6e,\"bytes\":%.6e,\"variant\":\"%s\"}",
                        family,
                        name,
                        family,
                        m,
                        n,
                        k,
                        ms,
                        flops,
                        bytes,
                        variant));
    }

    private static long maxWeight() {
        long most = 0;
        for (Object[] l : LAYERS) most = Math.max(most, (long) (Integer) l[1] * (Integer) l[2]);
        return most;
    }

    /** The linear layers as GEMM: every variant at 8192 tokens, the default one at 8 and 1. */
    void gemmRows() {
        GemmKernel gemm = new GemmKernel(cuda);
        long xElems = (long) TOKENS * FFN, yElems = (long) TOKENS * VOCAB;
        try (DeviceBuffer x = cuda.allocate(2 * xElems);
                DeviceBuffer w = cuda.allocate(2 * maxWeight());
                DeviceBuffer y = cuda.allocate(2 * yElems)) {
            RandomFill.uniformBf16(cuda, x, xElems, 51, -1, 1);
            RandomFill.uniformBf16(cuda, w, maxWeight(), 52, -0.05f, 0.05f);
            for (int m : quick ? new int[] {TOKENS, 1} : new int[] {TOKENS, 8, 1}) {
                for (GemmKernel.Variant v : gemm.variants()) {
                    if (v != gemm.defaultVariant() && m != TOKENS) continue;
                    for (Object[] l : LAYERS) {
                        String layer = (String) l[0];
                        int n = (Integer) l[1], k = (Integer) l[2];
                        int reps = m == TOKENS ? (quick ? 5 : 20) : (quick ? 20 : 100);
                        double ms =
                                timer.medianMs(
                                        () -> gemm.run(x, w, y, m, n, k, GemmKernel.Output.BF16, v),
                                        3,
                                        reps);
                        row(
                                "gemm",
                                "gemm_"
                                        + v.name().toLowerCase(Locale.ROOT)
                                        + "_"
                                        + layer
                                        + "_M"
                                        + m,
                                m,
                                n,
                                k,
                                ms,
                                GemmKernel.flops(m, n, k),
                                GemmKernel.bytes(m, n, k, GemmKernel.Output.BF16),
                                v.name());
                    }
                }
            }
        }
    }

    /** The linear layers as GEMV at batch 1 and 8 (the decode path), each warp count. */
    void gemvRows() {
        GemvKernel gemv = new GemvKernel(cuda);
        long xElems = (long) GemvKernel.MAX_BATCH * FFN;
        try (DeviceBuffer x = cuda.allocate(2 * xElems);
                DeviceBuffer w = cuda.allocate(2 * maxWeight());
                DeviceBuffer y = cuda.allocate(4L * GemvKernel.MAX_BATCH * VOCAB)) {
            RandomFill.uniformBf16(cuda, x, xElems, 61, -1, 1);
            RandomFill.uniformBf16(cuda, w, maxWeight(), 62, -0.05f, 0.05f);
            for (GemvKernel.Variant v : GemvKernel.Variant.values()) {
                for (int batch : new int[] {1, 8}) {
                    for (Object[] l : LAYERS) {
                        String layer = (String) l[0];
                        int n = (Integer) l[1], k = (Integer) l[2];
                        double ms =
                                timer.medianMs(
                                        () ->
                                                gemv.run(
                                                        x,
                                                        w,
                                                        y,
                                                        batch,
                                                        n,
                                                        k,
                                                        GemmKernel.Output.BF16,
                                                        v),
                                        10,
                                        quick ? 20 : 100);
                        String tag = v.name().toLowerCase(Locale.ROOT);
                        row(
                                "gemv",
                                "gemv_" + tag + "_" + layer + "_B" + batch,
                                batch,
                                n,
                                k,
                                ms,
                                GemmKernel.flops(batch, n, k),
                                GemmKernel.bytes(batch, n, k, GemmKernel.Output.BF16),
                                v.name() + (v == gemv.defaultVariant(n) ? " default" : ""));
                    }
                }
            }
        }
    }

    private double time(Runnable r) {
        return timer.medianMs(r, 10, quick ? 20 : 100);
    }

    /**
     * RMSNorm, RoPE, SwiGLU, embedding, residual adds and argmax at 1 and 8192 tokens; the copy.
     */
    void forwardRows() {
        int t = TOKENS;
        int qkv = (HEADS + 2 * KV_HEADS) * HEAD_DIM;
        long stream = (long) t * HIDDEN;
        try (DeviceBuffer h = cuda.allocate(4 * stream);
                DeviceBuffer delta = cuda.allocate(2 * stream);
                DeviceBuffer normed = cuda.allocate(2 * stream);
                DeviceBuffer weight = cuda.allocate(2L * HIDDEN);
                DeviceBuffer qkvRows = cuda.allocate(2L * t * qkv);
                DeviceBuffer gateUp = cuda.allocate(2L * t * 2 * FFN);
                DeviceBuffer act = cuda.allocate(2L * t * FFN);
                DeviceBuffer table = cuda.allocate(2L * VOCAB * HIDDEN);
                DeviceBuffer ids = cuda.allocate(4L * t);
                DeviceBuffer positions = cuda.allocate(4L * t);
                DeviceBuffer logits = cuda.allocate(4L * 8 * VOCAB);
                DeviceBuffer best = cuda.allocate(4L * 8);
                ArgmaxKernel argmax = new ArgmaxKernel(cuda, 8, VOCAB);
                RopeKernel rope =
                        new RopeKernel(
                                cuda, new RopeConfig("llama3", 500000, 8, 1, 4, 8192), HEAD_DIM)) {
            RandomFill.uniformBf16(cuda, delta, stream, 71, -1, 1);
            RandomFill.uniformBf16(cuda, weight, HIDDEN, 72, 0.5f, 1.5f);
            RandomFill.uniformBf16(cuda, qkvRows, (long) t * qkv, 73, -1, 1);
            RandomFill.uniformBf16(cuda, gateUp, (long) t * 2 * FFN, 74, -4, 4);
            RandomFill.uniformBf16(cuda, table, (long) VOCAB * HIDDEN, 75, -1, 1);
            RandomFill.uniformBf16(cuda, h, 2 * stream, 76, -1, 1); // fp32 values from bf16 pairs
            RandomFill.uniformBf16(cuda, logits, 2L * 8 * VOCAB, 77, -1, 1);
            int[] hostIds = new int[t], hostPos = new int[t];
            java.util.Random r = new java.util.Random(78);
            for (int i = 0; i < t; i++) {
                hostIds[i] = r.nextInt(VOCAB);
                hostPos[i] = 24576 + i; // a chunk of a 32K prompt
            }
            ids.upload(hostIds);
            positions.upload(hostPos);
            RmsNormKernel norm = new RmsNormKernel(cuda);
            SwiGluKernel swiglu = new SwiGluKernel(cuda);
            EmbeddingKernel embed = new EmbeddingKernel(cuda);
            ResidualAddKernel residual = new ResidualAddKernel(cuda);
            for (int tokens : new int[] {1, 8, t}) {
                String tk = "_T" + tokens;
                double ms = time(() -> norm.run(h, weight, normed, tokens, HIDDEN, 1e-5f));
                row(
                        "forward",
                        "rmsnorm" + tk,
                        tokens,
                        HIDDEN,
                        0,
                        ms,
                        0,
                        RmsNormKernel.bytes(tokens, HIDDEN, false),
                        "");
                ms =
                        time(
                                () ->
                                        norm.addAndNormalize(
                                                h, delta, weight, normed, tokens, HIDDEN, 1e-5f));
                row(
                        "forward",
                        "add_rmsnorm" + tk,
                        tokens,
                        HIDDEN,
                        0,
                        ms,
                        0,
                        RmsNormKernel.bytes(tokens, HIDDEN, true),
                        "");
                ms = time(() -> rope.apply(qkvRows, positions, tokens, HEADS + KV_HEADS, qkv, 0));
                row(
                        "forward",
                        "rope_llama3_q32k8" + tk,
                        tokens,
                        HEAD_DIM,
                        0,
                        ms,
                        0,
                        rope.bytes(tokens, HEADS + KV_HEADS),
                        "");
                ms = time(() -> swiglu.run(gateUp, act, tokens, FFN));
                row(
                        "forward",
                        "swiglu" + tk,
                        tokens,
                        FFN,
                        0,
                        ms,
                        0,
                        SwiGluKernel.bytes(tokens, FFN),
                        "");
                ms = time(() -> embed.run(ids, table, h, tokens, VOCAB, HIDDEN));
                row(
                        "forward",
                        "embedding" + tk,
                        tokens,
                        HIDDEN,
                        0,
                        ms,
                        0,
                        EmbeddingKernel.bytes(tokens, HIDDEN),
                        "");
                long n = (long) tokens * HIDDEN;
                ms = time(() -> residual.addBf16(h, delta, n));
                row(
                        "forward",
                        "residual_add_bf16" + tk,
                        tokens,
                        HIDDEN,
                        0,
                        ms,
                        0,
                        ResidualAddKernel.bytes(n, 2),
                        "");
            }
            for (int rows : new int[] {1, 8}) {
                double ms = time(() -> argmax.run(logits, best, rows));
                row(
                        "forward",
                        "argmax_B" + rows,
                        rows,
                        VOCAB,
                        0,
                        ms,
                        0,
                        ArgmaxKernel.bytes(rows, VOCAB),
                        "");
            }
        }
        long bytes = 1L << 30;
        CopyKernel copy = new CopyKernel(cuda);
        try (DeviceBuffer a = cuda.allocate(bytes);
                DeviceBuffer b = cuda.allocate(bytes)) {
            RandomFill.randomWords(cuda, a, bytes / 4, 79);
            double ms = time(() -> copy.copy(a, b, bytes));
            row("forward", "copy_1GiB", 1, 0, 0, ms, 0, 2.0 * bytes, "");
        }
    }
}
