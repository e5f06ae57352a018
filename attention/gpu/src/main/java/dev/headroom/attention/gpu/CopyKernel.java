package dev.headroom.attention.gpu;

/**
 * A device-to-device copy in 16-byte words (copy_u4 in forward.cu): the bandwidth the memory-bound
 * kernels are measured against, timed in the same process as they are.
 */
public final class CopyKernel {
    static final int THREADS = 256;

    private final CudaContext cuda;

    public CopyKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    /** Copies the first {@code bytes} bytes (a multiple of 16) of src to dst. */
    public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        if (bytes <= 0 || bytes % 16 != 0 || src.bytes() < bytes || dst.bytes() < bytes)
            throw new IllegalArgumentException("copy of " + bytes + " bytes");
        long words = bytes / 16;
        int blocks = (int) Math.min(cuda.multiprocessors() * 16L, (words + THREADS - 1) / THREADS);
        cuda.launch(
                cuda.function("forward", "copy_u4"),
                new int[] {blocks},
                THREADS,
                0,
                src,
                dst,
                words);
    }
}
