package dev.headroom.attention.gpu;

import dev.headroom.quantize.KiviCacheData;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * One decode step over a {@link KiviCache}, dequantization fused (kivi_decode.cu): split-K partials
 * over the quantized tokens plus one split for the bf16 residual, then a combine. q and out: bf16
 * [heads][headDim]. By default one staged chunk per CTA (kivi_decode_partial_*); {@code walk =
 * true} gives the kernel where one CTA walks several chunks of its split with an online softmax,
 * staging the next chunk while it computes one (kivi_decode_walk_*), one wave of CTAs. On an H200
 * (bench/results/2026-12-02-h200-decode) the walk was no faster at 2 bits (109.8 vs 110.8 us at
 * 128K) and slower at 4 bits (215.7 vs 197.6 us: its 64-token chunks leave two of four warps idle
 * in the scores), so it is not the default.
 */
public final class KiviDecodeKernel implements AutoCloseable {
    private final CudaContext cuda;
    private final KiviCache cache;
    private final int heads;
    private final DecodeWorkspace workspace;
    private final CUfunction partial, combine;
    private final int splitLength;
    private final boolean walk;
    private final int chunkLength;
    private static final int STAGE_BUDGET = 28 * 1024;

    /** Bytes of one of the walking kernel's two staging buffers (at most). */
    private static final int WALK_STAGE_BUDGET = 12 * 1024;

    public KiviDecodeKernel(CudaContext cuda, KiviCache cache, int heads) {
        this(cuda, cache, heads, false);
    }

    public KiviDecodeKernel(CudaContext cuda, KiviCache cache, int heads, boolean walk) {
        int group = heads / cache.kvHeads;
        if (heads % cache.kvHeads != 0
                || Integer.bitCount(group) != 1
                || group > DecodeWorkspace.MAX_GROUP) {
            throw new IllegalArgumentException(
                    "KIVI decode takes 1, 2, 4 or 8 query heads per KV head, not "
                            + heads
                            + "/"
                            + cache.kvHeads);
        }
        this.cuda = cuda;
        this.cache = cache;
        this.heads = heads;
        // A split is staged whole in shared memory: keep it near 28 KB so about five CTAs share a
        // multiprocessor.
        this.walk = walk;
        int perToken = stagingBytes(1) + 4 * group;
        String suffix = "_b" + cache.bits + "_d" + cache.headDim + "_g" + group;
        if (walk) {
            chunkLength =
                    Math.max(
                            KiviCacheData.KEY_GROUP,
                            WALK_STAGE_BUDGET
                                    / stagingBytes(1)
                                    / KiviCacheData.KEY_GROUP
                                    * KiviCacheData.KEY_GROUP);
            partial = cuda.function("kivi_decode", "kivi_decode_walk" + suffix);
            cuda.allowDynamicShared(partial, sharedBytes(chunkLength));
            int[] resident = {0};
            JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(
                    resident, partial, DecodeWorkspace.THREADS, sharedBytes(chunkLength));
            splitLength =
                    walkSplitLength(
                            cache.quantized,
                            cache.kvHeads,
                            Math.max(1, resident[0]) * cuda.multiprocessors(),
                            chunkLength);
        } else {
            int fitsShared =
                    Math.max(DecodeWorkspace.MIN_SPLIT, STAGE_BUDGET / perToken / 128 * 128);
            splitLength =
                    Math.min(
                            fitsShared,
                            DecodeWorkspace.splitLength(
                                    cache.quantized, cache.kvHeads, cuda.multiprocessors()));
            chunkLength = splitLength;
            partial = cuda.function("kivi_decode", "kivi_decode_partial" + suffix);
            cuda.allowDynamicShared(partial, sharedBytes(splitLength));
        }
        workspace = new DecodeWorkspace(cuda, heads, cache.headDim, quantizedSplits() + 1);
        combine = cuda.function("kivi_decode", "kivi_decode_combine");
    }

    /**
     * Tokens per split of the walking kernel: one wave of {@code resident} CTAs, of which one per
     * KV head takes the residual and one per KV head is left for the rounding, a whole number of
     * chunks.
     */
    static int walkSplitLength(int quantized, int kvHeads, int resident, int chunkLength) {
        int perHead = Math.max(1, (resident - 2 * kvHeads) / kvHeads);
        int perSplit = (quantized + perHead - 1) / perHead;
        int rounded = (perSplit + chunkLength - 1) / chunkLength * chunkLength;
        return Math.max(chunkLength, rounded);
    }

    private int quantizedSplits() {
        return DecodeWorkspace.splits(cache.quantized, splitLength);
    }

    /**
     * Scores of the split (or the residual), then the staged split (codes, scales and zeros of keys
     * and values), which the cross-warp reduction buffer overlays afterwards.
     */
    private int sharedBytes(int chunk) {
        int reduce =
                4
                        * 4
                        * DecodeWorkspace.MAX_GROUP
                        * (cache.headDim + cache.headDim / KiviCacheData.VALUE_GROUP);
        return 4 * (heads / cache.kvHeads) * Math.max(chunk, cache.residual)
                + 16
                + Math.max((walk ? 2 : 1) * stagingBytes(chunk), reduce);
    }

    /**
     * Bytes of n staged tokens (n a multiple of the key group; per token when n = 1, rounded down).
     */
    private int stagingBytes(int n) {
        int d = cache.headDim, codes = 2 * n * d * cache.bits / 8;
        int keyScales = 2 * 2 * d * n / KiviCacheData.KEY_GROUP;
        int valueScales = 2 * 2 * n * (d / KiviCacheData.VALUE_GROUP);
        return codes + keyScales + valueScales;
    }

    public void decode(DeviceBuffer q, DeviceBuffer out) {
        if (cache.quantized + cache.residual == 0)
            throw new IllegalStateException("decode over an empty cache");
        int d = cache.headDim;
        float scaleLog2 = new AttentionShape(heads, cache.kvHeads, 1, d).scaleLog2();
        java.util.List<Object> args =
                new java.util.ArrayList<>(
                        java.util.Arrays.asList(
                                q,
                                cache.keyCodes,
                                cache.keyScale,
                                cache.keyZero,
                                cache.valueCodes,
                                cache.valueScale,
                                cache.valueZero,
                                cache.keyResidual,
                                cache.valueResidual,
                                cache.quantized,
                                Math.max(cache.quantized, KiviCacheData.KEY_GROUP),
                                cache.residual,
                                Math.max(cache.residual, 1),
                                splitLength));
        if (walk) args.add(chunkLength);
        args.addAll(
                java.util.Arrays.asList(
                        workspace.maxSplits,
                        scaleLog2,
                        workspace.partO,
                        workspace.partM,
                        workspace.partL));
        cuda.launch(
                partial,
                new int[] {cache.kvHeads, quantizedSplits() + 1},
                DecodeWorkspace.THREADS,
                sharedBytes(chunkLength),
                args.toArray());
        cuda.launch(
                combine,
                new int[] {heads, d / DecodeWorkspace.COMBINE_SLICE},
                DecodeWorkspace.COMBINE_THREADS,
                0,
                workspace.partO,
                workspace.partM,
                workspace.partL,
                cache.quantized,
                cache.residual,
                splitLength,
                d,
                workspace.maxSplits,
                out);
    }

    /** Host-array convenience. */
    public short[] decode(short[] q) {
        try (DeviceBuffer dq = cuda.allocate(2L * q.length).upload(q);
                DeviceBuffer out = cuda.allocate(2L * q.length)) {
            out.poisonBf16();
            decode(dq, out);
            cuda.synchronize();
            return out.downloadShorts(q.length);
        }
    }

    @Override
    public void close() {
        workspace.close();
    }
}
