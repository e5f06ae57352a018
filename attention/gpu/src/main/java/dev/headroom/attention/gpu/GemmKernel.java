package dev.headroom.attention.gpu;

import jcuda.driver.CUfunction;

/**
 * Linear layers y = x W^T on tensor cores, bf16 in and fp32 accumulate: wgmma on Hopper
 * (gemm_sm90a.cu), mma.sync elsewhere (gemm.cu). x [m][k] and W [n][k] are bf16 (W in the
 * checkpoint's [out][in] layout); y [m][n] is bf16 or fp32, or an fp32 buffer the product is added
 * to ({@link Output#F32_ADD}: the residual add of o_proj and down_proj). k must be a multiple of 8;
 * m and n are arbitrary. {@link #linear} takes the bandwidth-bound {@link GemvKernel} for m ≤ 8.
 */
public final class GemmKernel {
    /**
     * Which implementation runs: the wgmma kernels (128 x 256 or 192 x 256 tiles) need sm_90a;
     * mma.sync runs on any sm_80+ GPU.
     */
    public enum Variant {
        WGMMA("gemm_sm90a", "gemm_bf16_wgmma", 128, 256, 256, 4 * (128 + 256) * 64 * 2 + 1024),
        WGMMA_M192(
                "gemm_sm90a",
                "gemm_bf16_wgmma_m192",
                192,
                256,
                384,
                4 * (192 + 256) * 64 * 2 + 1024),
        MMA_SYNC("gemm", "gemm_bf16_mma", 128, 128, 256, 3 * (128 + 128) * 64 * 2);
        final String module, kernel;

        /** The CTA's tile of y, threads, and dynamic shared memory, as in the kernel. */
        final int tileM, tileN, threads, sharedBytes;

        Variant(String module, String kernel, int tileM, int tileN, int threads, int sharedBytes) {
            this.module = module;
            this.kernel = kernel;
            this.tileM = tileM;
            this.tileN = tileN;
            this.threads = threads;
            this.sharedBytes = sharedBytes;
        }

        /** Whether this variant needs a Hopper GPU (compute capability 9.0, sm_90a). */
        public boolean hopperOnly() {
            return module.endsWith("_sm90a");
        }
    }

    /** The variants this GPU runs. */
    public java.util.List<Variant> variants() {
        java.util.List<Variant> list = new java.util.ArrayList<>();
        for (Variant v : Variant.values())
            if (!v.hopperOnly() || cuda.computeCapability() == 90) list.add(v);
        return list;
    }

    /** What the kernel writes: the mode argument of the kernels and the bytes per element. */
    public enum Output {
        BF16(0, 2),
        F32(1, 4),
        F32_ADD(2, 4);
        final int mode, bytes;

        Output(int mode, int bytes) {
            this.mode = mode;
            this.bytes = bytes;
        }

        public int bytesPerElement() {
            return bytes;
        }
    }

    /** Row tiles a group of CTAs walks before the next column tile (GROUP_M in both kernels). */
    static final int GROUP_M = 8;

    private final CudaContext cuda;
    private final GemvKernel gemv;
    private final java.util.Set<Variant> sharedAllowed = java.util.EnumSet.noneOf(Variant.class);

    public GemmKernel(CudaContext cuda) {
        this.cuda = cuda;
        this.gemv = new GemvKernel(cuda);
    }

    /** The fastest variant this GPU runs. */
    public Variant defaultVariant() {
        return cuda.computeCapability() == 90 ? Variant.WGMMA : Variant.MMA_SYNC;
    }

    /** y = x W^T with the default variant. */
    public void run(
            DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k, Output out) {
        run(x, w, y, m, n, k, out, defaultVariant());
    }

    /** y = x W^T on the tensor cores, for any m. */
    public void run(
            DeviceBuffer x,
            DeviceBuffer w,
            DeviceBuffer y,
            int m,
            int n,
            int k,
            Output out,
            Variant variant) {
        checkShape(x, w, y, m, n, k, out);
        CUfunction f = cuda.function(variant.module, variant.kernel);
        if (sharedAllowed.add(variant)) cuda.allowDynamicShared(f, variant.sharedBytes);
        cuda.launch(
                f,
                new int[] {blocks(m, n, variant)},
                variant.threads,
                variant.sharedBytes,
                x,
                w,
                y,
                m,
                n,
                k,
                out.mode);
    }

    /** A linear layer: the GEMV path for m ≤ {@link GemvKernel#MAX_BATCH}, else the GEMM. */
    public void linear(
            DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k, Output out) {
        if (m <= GemvKernel.MAX_BATCH) gemv.run(x, w, y, m, n, k, out);
        else run(x, w, y, m, n, k, out);
    }

    static void checkShape(
            DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k, Output out) {
        if (m <= 0 || n <= 0 || k <= 0 || k % 8 != 0) {
            throw new IllegalArgumentException(
                    "linear layer m " + m + " n " + n + " k " + k + ": k must be a multiple of 8");
        }
        need(x, 2L * m * k, "x");
        need(w, 2L * n * k, "W");
        need(y, (long) out.bytes * m * n, "y");
    }

    private static void need(DeviceBuffer b, long bytes, String what) {
        if (b.bytes() < bytes)
            throw new IllegalArgumentException(
                    what + " holds " + b.bytes() + " bytes, needs " + bytes);
    }

    /** CTAs of one launch. */
    static int blocks(int m, int n, Variant variant) {
        long tiles = (long) tiles(m, variant.tileM) * tiles(n, variant.tileN);
        return Math.toIntExact(tiles);
    }

    private static int tiles(int extent, int tile) {
        return (extent + tile - 1) / tile;
    }

    /**
     * The {row tile, column tile} CTA {@code block} computes, as tile_of in both kernels: row tiles
     * in groups of {@link #GROUP_M}, the column tiles swept within a group, so the CTAs running at
     * one time share their W tiles in L2.
     */
    static int[] tileOf(int block, int mTiles, int nTiles) {
        int perGroup = GROUP_M * nTiles;
        int group = block / perGroup, first = group * GROUP_M;
        int rows = Math.min(mTiles - first, GROUP_M);
        int inGroup = block - group * perGroup;
        return new int[] {first + inGroup % rows, inGroup / rows};
    }

    /** Floating-point operations of one product. */
    public static double flops(int m, int n, int k) {
        return 2.0 * m * n * k;
    }

    /**
     * The fewest bytes one product moves: x and W read once, y written once (read too if added).
     */
    public static double bytes(int m, int n, int k, Output out) {
        double y = (double) m * n * out.bytes * (out == Output.F32_ADD ? 2 : 1);
        return 2.0 * m * k + 2.0 * n * k + y;
    }
}
