package dev.headroom.attention.gpu;

import jcuda.driver.CUfunction;

/**
 * The decode path of a linear layer, y = x W^T for 1 to {@link #MAX_BATCH} rows of x (gemv_bf16 in
 * gemm.cu): bound by reading W once. The batch is the 8-wide side of an mma.sync m16n8k16, so the
 * fp32 accumulation runs on the tensor cores while the CUDA cores only issue loads. Layouts and
 * outputs as {@link GemmKernel}: x [batch][k], W [n][k] bf16, y [batch][n]; k a multiple of 8.
 */
public final class GemvKernel {
    public static final int MAX_BATCH = 8;

    /** W rows per CTA and threads per CTA, as in the kernel (16 rows, GEMV_WARPS = 4). */
    static final int ROWS = 16, THREADS = 128;

    private final CudaContext cuda;

    public GemvKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    public void run(
            DeviceBuffer x,
            DeviceBuffer w,
            DeviceBuffer y,
            int batch,
            int n,
            int k,
            GemmKernel.Output out) {
        if (batch < 1 || batch > MAX_BATCH)
            throw new IllegalArgumentException("GEMV batch " + batch + " outside 1.." + MAX_BATCH);
        GemmKernel.checkShape(x, w, y, batch, n, k, out);
        CUfunction f = cuda.function("gemm", "gemv_bf16");
        cuda.launch(f, new int[] {blocks(n)}, THREADS, 0, x, w, y, batch, n, k, out.mode);
    }

    static int blocks(int n) {
        return (n + ROWS - 1) / ROWS;
    }
}
