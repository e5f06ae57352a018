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

    /** W rows per CTA, as in the kernel. */
    static final int ROWS = 16;

    /**
     * Warps per CTA, which split K between them (gemv_bf16_w4, _w8, _w16): more warps keep more
     * loads in flight when W has few rows.
     */
    public enum Variant {
        W4(4),
        W8(8),
        W16(16);
        final int warps;

        Variant(int warps) {
            this.warps = warps;
        }
    }

    private final CudaContext cuda;

    public GemvKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    /**
     * The variant for a W of n rows: 16 warps per row block when there are fewer than 2.5 row
     * blocks per multiprocessor, else 8. Chosen from the H200 run of 2026-12-02
     * (bench/results/2026-12-02-h200-kernels): 16 warps were fastest for 4096 rows (o_proj,
     * down_proj), 8 for 6144 rows and more; 4 was never faster than 8.
     */
    public Variant defaultVariant(int n) {
        return defaultVariant(n, cuda.multiprocessors());
    }

    static Variant defaultVariant(int n, int multiprocessors) {
        return 2L * blocks(n) < 5L * multiprocessors ? Variant.W16 : Variant.W8;
    }

    public void run(
            DeviceBuffer x,
            DeviceBuffer w,
            DeviceBuffer y,
            int batch,
            int n,
            int k,
            GemmKernel.Output out) {
        run(x, w, y, batch, n, k, out, defaultVariant(n));
    }

    public void run(
            DeviceBuffer x,
            DeviceBuffer w,
            DeviceBuffer y,
            int batch,
            int n,
            int k,
            GemmKernel.Output out,
            Variant variant) {
        if (batch < 1 || batch > MAX_BATCH)
            throw new IllegalArgumentException("GEMV batch " + batch + " outside 1.." + MAX_BATCH);
        GemmKernel.checkShape(x, w, y, batch, n, k, out);
        CUfunction f = cuda.function("gemm", "gemv_bf16_w" + variant.warps);
        cuda.launch(
                f, new int[] {blocks(n)}, 32 * variant.warps, 0, x, w, y, batch, n, k, out.mode);
    }

    static int blocks(int n) {
        return (n + ROWS - 1) / ROWS;
    }
}
