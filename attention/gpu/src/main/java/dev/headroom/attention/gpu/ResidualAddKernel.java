package dev.headroom.attention.gpu;

/**
 * Residual adds into the fp32 stream (residual_add_bf16 / residual_add_f32 in forward.cu): h[i] +=
 * delta[i] for n elements, n a multiple of 4. (The GEMM's {@link GemmKernel.Output#F32_ADD} and
 * {@link RmsNormKernel#addAndNormalize} fold the same add into a neighbouring kernel.)
 */
public final class ResidualAddKernel {
    static final int THREADS = 256;

    private final CudaContext cuda;

    public ResidualAddKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    /** h (fp32) += delta (bf16). */
    public void addBf16(DeviceBuffer h, DeviceBuffer delta, long n) {
        launch("residual_add_bf16", h, delta, n, 2);
    }

    /** h (fp32) += delta (fp32). */
    public void addF32(DeviceBuffer h, DeviceBuffer delta, long n) {
        launch("residual_add_f32", h, delta, n, 4);
    }

    private void launch(String kernel, DeviceBuffer h, DeviceBuffer delta, long n, int deltaBytes) {
        if (n <= 0 || n % 4 != 0)
            throw new IllegalArgumentException(
                    "residual add of " + n + " elements: not a multiple of 4");
        if (h.bytes() < 4 * n || delta.bytes() < deltaBytes * n)
            throw new IllegalArgumentException("residual buffers smaller than " + n + " elements");
        long threads = n / 4;
        int blocks = (int) Math.min(65535 * 8L, (threads + THREADS - 1) / THREADS);
        cuda.launch(cuda.function("forward", kernel), new int[] {blocks}, THREADS, 0, h, delta, n);
    }

    /** Bytes moved: h read and written, delta read. */
    public static double bytes(long n, int deltaBytes) {
        return 8.0 * n + (double) deltaBytes * n;
    }
}
