package dev.headroom.attention.gpu;

/**
 * Launches of the model runtime's own kernels (runtime.cu): the fp32 forward-pass pieces
 * (embedding, RMSNorm, matmul, SwiGLU), and what both precisions share (bias add, RoPE from a
 * table, the KV-cache append and growth, attention of a chunk over the cache). Shapes as in
 * runtime.cu.
 */
final class RuntimeKernels {
    private static final String MODULE = "runtime";
    private static final int THREADS = 256, MM_TILE = 32, ATT_WARPS = 4;
    static final int MAX_HEAD_DIM = 256;

    private final CudaContext cuda;

    RuntimeKernels(CudaContext cuda) {
        this.cuda = cuda;
    }

    private int[] grid(long elements) {
        return new int[] {
            (int) Math.max(1, Math.min(65535L * 8, (elements + THREADS - 1) / THREADS))
        };
    }

    void embed(
            DeviceBuffer ids,
            DeviceBuffer table,
            DeviceBuffer out,
            int tokens,
            int vocab,
            int dim) {
        cuda.launch(
                cuda.function(MODULE, "rt_embed_f32"),
                new int[] {tokens},
                THREADS,
                0,
                ids,
                table,
                out,
                vocab,
                dim);
    }

    void rmsNorm(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int rows, int dim, float eps) {
        cuda.launch(
                cuda.function(MODULE, "rt_rmsnorm_f32"),
                new int[] {rows},
                THREADS,
                0,
                x,
                w,
                y,
                dim,
                eps);
    }

    /** y = x W^T, or y += x W^T when {@code accumulate}; all fp32. */
    void matmul(
            DeviceBuffer x,
            DeviceBuffer w,
            DeviceBuffer y,
            int m,
            int n,
            int k,
            boolean accumulate) {
        if (x.bytes() < 4L * m * k || w.bytes() < 4L * n * k || y.bytes() < 4L * m * n)
            throw new IllegalArgumentException(
                    "matmul buffers smaller than " + m + "x" + n + "x" + k);
        cuda.launch(
                cuda.function(MODULE, "rt_matmul_f32"),
                new int[] {(n + MM_TILE - 1) / MM_TILE, (m + MM_TILE - 1) / MM_TILE},
                THREADS,
                0,
                x,
                w,
                y,
                m,
                n,
                k,
                accumulate ? 1 : 0);
    }

    void addBias(DeviceBuffer y, DeviceBuffer bias, int rows, int n) {
        cuda.launch(
                cuda.function(MODULE, "rt_add_bias"),
                grid((long) rows * n),
                THREADS,
                0,
                y,
                bias,
                rows,
                n);
    }

    void swiglu(DeviceBuffer gateUp, DeviceBuffer out, int rows, int ffn) {
        cuda.launch(
                cuda.function(MODULE, "rt_swiglu_f32"),
                grid((long) rows * ffn),
                THREADS,
                0,
                gateUp,
                out,
                rows,
                ffn);
    }

    void toBf16(DeviceBuffer in, DeviceBuffer out, long n) {
        cuda.launch(cuda.function(MODULE, "rt_to_bf16"), grid(n), THREADS, 0, in, out, n);
    }

    void copyRows(DeviceBuffer src, DeviceBuffer dst, int from, int rows, int dim) {
        cuda.launch(
                cuda.function(MODULE, "rt_copy_rows"),
                grid((long) rows * dim),
                THREADS,
                0,
                src,
                dst,
                from,
                rows,
                dim);
    }

    /**
     * Rotates heads [0, heads) from element {@code offset} of each qkv row, token t at pos0 + t.
     */
    void rope(
            DeviceBuffer x,
            DeviceBuffer cos,
            DeviceBuffer sin,
            int pos0,
            int tokens,
            int heads,
            int headDim,
            int rowStride,
            int offset) {
        cuda.launch(
                cuda.function(MODULE, "rt_rope_f32"),
                grid((long) tokens * heads * (headDim / 2)),
                THREADS,
                0,
                x,
                cos,
                sin,
                pos0,
                tokens,
                heads,
                headDim,
                rowStride,
                offset);
    }

    void kvAppend(
            DeviceBuffer qkv,
            DeviceBuffer k,
            DeviceBuffer v,
            DeviceBuffer sink,
            DeviceBuffer window,
            int pos0,
            int tokens,
            int heads,
            int kvHeads,
            int headDim,
            int capacity) {
        cuda.launch(
                cuda.function(MODULE, "rt_kv_append"),
                grid((long) tokens * kvHeads * headDim),
                THREADS,
                0,
                qkv,
                k,
                v,
                sink,
                window,
                pos0,
                tokens,
                pos0 + tokens,
                heads,
                kvHeads,
                headDim,
                capacity);
    }

    void cacheGrow(
            DeviceBuffer oldBuf,
            DeviceBuffer newBuf,
            int kvHeads,
            int oldCap,
            int newCap,
            int headDim) {
        cuda.launch(
                cuda.function(MODULE, "rt_cache_grow"),
                grid((long) kvHeads * oldCap * headDim),
                THREADS,
                0,
                oldBuf,
                newBuf,
                kvHeads,
                oldCap,
                newCap,
                headDim);
    }

    void attention(
            DeviceBuffer qkv,
            DeviceBuffer k,
            DeviceBuffer v,
            DeviceBuffer sink,
            DeviceBuffer window,
            DeviceBuffer out,
            int pos0,
            int tokens,
            int heads,
            int kvHeads,
            int headDim,
            int capacity) {
        cuda.launch(
                cuda.function(MODULE, "rt_attention_f32"),
                new int[] {tokens, (heads + ATT_WARPS - 1) / ATT_WARPS},
                ATT_WARPS * 32,
                0,
                qkv,
                k,
                v,
                sink,
                window,
                out,
                pos0,
                heads,
                kvHeads,
                headDim,
                capacity,
                (float) (1.0 / Math.sqrt(headDim)));
    }
}
