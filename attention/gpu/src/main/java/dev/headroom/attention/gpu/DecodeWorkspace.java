package dev.headroom.attention.gpu;

/**
 * Split-K scratch for the decode kernels (decode_common.cuh): per query head and split, the
 * unnormalized output, the row max and the sum. Sized once for the largest split count a cache can
 * need.
 */
final class DecodeWorkspace implements AutoCloseable {
    /** Must match HR_DECODE_THREADS and HR_MAX_GROUP in decode_common.cuh. */
    static final int THREADS = 128;

    static final int MAX_GROUP = 8;
    static final int MIN_SPLIT = 128;
    static final int MAX_SPLIT = 1024;

    /** Threads of a combine CTA (HR_COMBINE_THREADS). */
    static final int COMBINE_THREADS = 512;

    /** Channels per combine CTA (HR_COMBINE_SLICE). */
    static final int COMBINE_SLICE = 32;

    final DeviceBuffer partO, partM, partL;
    final int maxSplits;

    DecodeWorkspace(CudaContext cuda, int heads, int headDim, int maxSplits) {
        this.maxSplits = maxSplits;
        partO = cuda.allocate(4L * heads * maxSplits * headDim);
        partM = cuda.allocate(4L * heads * maxSplits);
        partL = cuda.allocate(4L * heads * maxSplits);
    }

    /**
     * Keys per split: enough CTAs for about four per multiprocessor, a multiple of MIN_SPLIT (so
     * KIVI token groups never straddle splits), at most MAX_SPLIT (the scores of a split sit in
     * shared memory).
     */
    static int splitLength(long longestHead, int kvHeads, int multiprocessors) {
        long perSplit = (longestHead * kvHeads + 4L * multiprocessors - 1) / (4L * multiprocessors);
        long rounded = (perSplit + MIN_SPLIT - 1) / MIN_SPLIT * MIN_SPLIT;
        return (int) Math.max(MIN_SPLIT, Math.min(MAX_SPLIT, rounded));
    }

    static int splits(long keys, int splitLength) {
        return (int) ((keys + splitLength - 1) / splitLength);
    }

    @Override
    public void close() {
        partO.close();
        partM.close();
        partL.close();
    }
}
