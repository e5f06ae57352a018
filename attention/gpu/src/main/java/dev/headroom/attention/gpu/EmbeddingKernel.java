package dev.headroom.attention.gpu;

/**
 * Embedding lookup into the fp32 residual stream (embedding_f32 in forward.cu): out[t] =
 * table[ids[t]] widened from bf16. An id outside [0, vocab) gives a row of NaN (the host checks ids
 * first; NaN makes a slip visible). ids int [tokens], table [vocab][dim] bf16, out [tokens][dim]
 * fp32; dim a multiple of 8.
 */
public final class EmbeddingKernel {
    static final int THREADS = 256;

    private final CudaContext cuda;

    public EmbeddingKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    public void run(
            DeviceBuffer ids,
            DeviceBuffer table,
            DeviceBuffer out,
            int tokens,
            int vocab,
            int dim) {
        if (tokens <= 0 || dim <= 0 || dim % 8 != 0)
            throw new IllegalArgumentException("embedding dim must be a multiple of 8: " + dim);
        if (ids.bytes() < 4L * tokens
                || table.bytes() < 2L * vocab * dim
                || out.bytes() < 4L * tokens * dim) {
            throw new IllegalArgumentException("embedding buffers smaller than the shape");
        }
        cuda.launch(
                cuda.function("forward", "embedding_f32"),
                new int[] {tokens},
                THREADS,
                0,
                ids,
                table,
                out,
                vocab,
                dim);
    }

    public static double bytes(int tokens, int dim) {
        return 4.0 * tokens + 2.0 * tokens * dim + 4.0 * tokens * dim;
    }
}
