package dev.headroom.attention.gpu;

/**
 * Argmax of fp32 logits rows (argmax_partial, argmax_final in forward.cu): the first index of the
 * largest value, NaN never chosen (-1 for a row of NaN only), as the CPU's greedy pick does for
 * rows without NaN. Two passes, so a 128K vocabulary row spreads over many CTAs: the best of each
 * {@link #CHUNK}-element slice, then the best of the slices. logits [rows][vocab], out int [rows].
 */
public final class ArgmaxKernel implements AutoCloseable {
    static final int THREADS = 256, CHUNK = 2048;

    private final CudaContext cuda;
    private final int maxRows, vocab;
    private final DeviceBuffer partValue, partIndex;

    public ArgmaxKernel(CudaContext cuda, int maxRows, int vocab) {
        if (maxRows <= 0 || vocab <= 0)
            throw new IllegalArgumentException("argmax of " + maxRows + " x " + vocab);
        this.cuda = cuda;
        this.maxRows = maxRows;
        this.vocab = vocab;
        long parts = (long) maxRows * chunks(vocab);
        partValue = cuda.allocate(4 * parts);
        partIndex = cuda.allocate(4 * parts);
    }

    static int chunks(int vocab) {
        return (vocab + CHUNK - 1) / CHUNK;
    }

    public void run(DeviceBuffer logits, DeviceBuffer out, int rows) {
        if (rows <= 0 || rows > maxRows)
            throw new IllegalArgumentException("argmax rows " + rows + " outside 1.." + maxRows);
        if (logits.bytes() < 4L * rows * vocab || out.bytes() < 4L * rows)
            throw new IllegalArgumentException("argmax buffers smaller than the shape");
        int chunks = chunks(vocab);
        cuda.launch(
                cuda.function("forward", "argmax_partial"),
                new int[] {chunks, rows},
                THREADS,
                0,
                logits,
                partValue,
                partIndex,
                vocab,
                CHUNK);
        cuda.launch(
                cuda.function("forward", "argmax_final"),
                new int[] {rows},
                THREADS,
                0,
                partValue,
                partIndex,
                out,
                chunks);
    }

    public static double bytes(int rows, int vocab) {
        return 4.0 * rows * vocab + 4.0 * rows;
    }

    @Override
    public void close() {
        partValue.close();
        partIndex.close();
    }
}
