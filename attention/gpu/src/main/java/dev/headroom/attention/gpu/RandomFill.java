package dev.headroom.attention.gpu;

/**
 * Fills device buffers with deterministic pseudo-random data on the GPU (util.cu), so benchmarks
 * skip uploads.
 */
public final class RandomFill {
    private RandomFill() {}

    public static void uniformBf16(
            CudaContext cuda, DeviceBuffer dst, long count, long seed, float lo, float hi) {
        cuda.launch(
                cuda.function("util", "fill_uniform_bf16"),
                new int[] {gridFor(count)},
                256,
                0,
                dst,
                count,
                seed,
                lo,
                hi);
    }

    public static void uniformF16(
            CudaContext cuda, DeviceBuffer dst, long count, long seed, float lo, float hi) {
        cuda.launch(
                cuda.function("util", "fill_uniform_f16"),
                new int[] {gridFor(count)},
                256,
                0,
                dst,
                count,
                seed,
                lo,
                hi);
    }

    public static void randomWords(CudaContext cuda, DeviceBuffer dst, long count, long seed) {
        cuda.launch(
                cuda.function("util", "fill_random_u32"),
                new int[] {gridFor(count)},
                256,
                0,
                dst,
                count,
                seed);
    }

    private static int gridFor(long count) {
        return (int) Math.min(65535, (count + 255) / 256);
    }
}
