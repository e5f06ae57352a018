package dev.headroom.attention.gpu;

import jcuda.driver.CUfunction;

/**
 * One decode step over a {@link CompressedKvCache}: split-K partials, then a combine
 * (compressed_decode.cu). q and out are bf16 [heads][headDim], one query token per head. The
 * partials come from the tensor-core kernel (compressed_decode_partial_mma_d*, one wave of splits)
 * unless the instance is made with {@code mma = false}: then from the CUDA-core kernel
 * (compressed_decode_partial_d*). {@link Bf16KvAttention} launches the tensor-core partials too.
 */
public final class CompressedDecodeKernel implements AutoCloseable {
    private final CudaContext cuda;
    private final CompressedKvCache cache;
    private final int heads;
    private final DecodeWorkspace workspace;
    private final CUfunction partial, combine;
    private final boolean mma;

    /** CTAs of the tensor-core partial resident per multiprocessor (its __launch_bounds__). */
    static final int MMA_CTAS_PER_SM = 3;

    /** Keys per block of one warp of the tensor-core partial. */
    static final int MMA_BLOCK = 16;

    public CompressedDecodeKernel(CudaContext cuda, CompressedKvCache cache, int heads) {
        this(cuda, cache, heads, true);
    }

    public CompressedDecodeKernel(
            CudaContext cuda, CompressedKvCache cache, int heads, boolean mma) {
        if (heads % cache.kvHeads() != 0 || heads / cache.kvHeads() > DecodeWorkspace.MAX_GROUP) {
            throw new IllegalArgumentException(
                    heads + " query heads over " + cache.kvHeads() + " KV heads");
        }
        this.cuda = cuda;
        this.cache = cache;
        this.heads = heads;
        workspace =
                new DecodeWorkspace(
                        cuda,
                        heads,
                        cache.headDim(),
                        DecodeWorkspace.splits(cache.largestCapacity(), DecodeWorkspace.MIN_SPLIT));
        this.mma = mma;
        partial =
                mma
                        ? cuda.function(
                                "compressed_decode",
                                "compressed_decode_partial_mma_d" + cache.headDim())
                        : partialKernel(cuda, cache.headDim());
        combine = combineKernel(cuda);
    }

    public void decode(DeviceBuffer q, DeviceBuffer out) {
        decode(cuda, cache, heads, workspace, partial, combine, q, out, mma);
    }

    /**
     * The partial kernel for a head dim, allowed its dynamic shared memory (and its batched
     * variant, which Bf16KvAttention's captured decode steps launch, likewise).
     */
    static CUfunction partialKernel(CudaContext cuda, int headDim) {
        CUfunction batch =
                cuda.function("compressed_decode", "compressed_decode_partial_batch_d" + headDim);
        cuda.allowDynamicShared(batch, 4 * DecodeWorkspace.MAX_GROUP * DecodeWorkspace.MAX_SPLIT);
        CUfunction f = cuda.function("compressed_decode", "compressed_decode_partial_d" + headDim);
        cuda.allowDynamicShared(f, 4 * DecodeWorkspace.MAX_GROUP * DecodeWorkspace.MAX_SPLIT);
        return f;
    }

    static CUfunction combineKernel(CudaContext cuda) {
        return cuda.function("compressed_decode", "compressed_decode_combine");
    }

    /** Split-K scratch enough for any decode over a cache of at most {@code maxTokens} per head. */
    static DecodeWorkspace workspace(CudaContext cuda, int heads, int headDim, int maxTokens) {
        return new DecodeWorkspace(
                cuda, heads, headDim, DecodeWorkspace.splits(maxTokens, DecodeWorkspace.MIN_SPLIT));
    }

    /**
     * One decode step of {@code heads} queries q [heads][headDim] over {@code cache} into out, with
     * a workspace that may be shared by many caches (one step runs at a time).
     */
    static void decode(
            CudaContext cuda,
            CompressedKvCache cache,
            int heads,
            DecodeWorkspace workspace,
            CUfunction partial,
            CUfunction combine,
            DeviceBuffer q,
            DeviceBuffer out) {
        decode(cuda, cache, heads, workspace, partial, combine, q, out, false);
    }

    /**
     * As {@link #decode(CudaContext, CompressedKvCache, int, DecodeWorkspace, CUfunction,
     * CUfunction, DeviceBuffer, DeviceBuffer)} with a tensor-core partial (split by {@link
     * #mmaSplitLength}).
     */
    static void decodeMma(
            CudaContext cuda,
            CompressedKvCache cache,
            int heads,
            DecodeWorkspace workspace,
            CUfunction partial,
            CUfunction combine,
            DeviceBuffer q,
            DeviceBuffer out) {
        decode(cuda, cache, heads, workspace, partial, combine, q, out, true);
    }

    private static void decode(
            CudaContext cuda,
            CompressedKvCache cache,
            int heads,
            DecodeWorkspace workspace,
            CUfunction partial,
            CUfunction combine,
            DeviceBuffer q,
            DeviceBuffer out,
            boolean mma) {
        if (cache.tokens() == 0) throw new IllegalStateException("decode over an empty cache");
        int d = cache.headDim(), group = heads / cache.kvHeads();
        int splitLength =
                mma
                        ? mmaSplitLength(
                                cache.heldSlotsAt(cache.tokens()),
                                cache.kvHeads(),
                                cuda.multiprocessors())
                        : splitLength(cuda, cache, cache.tokens());
        int splits = DecodeWorkspace.splits(cache.longestHead(), splitLength);
        if (splits > workspace.maxSplits)
            throw new IllegalStateException(
                    splits + " splits, the workspace holds " + workspace.maxSplits);
        float scaleLog2 = new AttentionShape(heads, cache.kvHeads(), 1, d).scaleLog2();
        cuda.launch(
                partial,
                new int[] {cache.kvHeads(), splits},
                DecodeWorkspace.THREADS,
                mma ? 0 : 4 * group * splitLength,
                q,
                cache.keys(),
                cache.values(),
                cache.offsets(),
                cache.sinks(),
                cache.windows(),
                cache.tokens(),
                heads,
                cache.kvHeads(),
                splitLength,
                workspace.maxSplits,
                scaleLog2,
                workspace.partO,
                workspace.partM,
                workspace.partL);
        cuda.launch(
                combine,
                new int[] {heads, d / DecodeWorkspace.COMBINE_SLICE},
                DecodeWorkspace.COMBINE_THREADS,
                0,
                workspace.partO,
                workspace.partM,
                workspace.partL,
                cache.sinks(),
                cache.windows(),
                cache.tokens(),
                heads,
                cache.kvHeads(),
                d,
                splitLength,
                workspace.maxSplits,
                out);
    }

    /**
     * Keys per split after {@code tokens} tokens: from the slots of all heads together, so that a
     * cache whose long heads are few (a plan) still spreads over every multiprocessor.
     */
    static int splitLength(CudaContext cuda, CompressedKvCache cache, int tokens) {
        return DecodeWorkspace.splitLength(cache.heldSlotsAt(tokens), 1, cuda.multiprocessors());
    }

    /**
     * Keys per split of the tensor-core partial: one wave of {@link #MMA_CTAS_PER_SM} CTAs per
     * multiprocessor over the slots of all heads (less one CTA per KV head, the rounding of each
     * head's last split), a multiple of {@link #MMA_BLOCK}, at least {@link
     * DecodeWorkspace#MIN_SPLIT} (the workspace's sizing).
     */
    static int mmaSplitLength(long heldSlots, int kvHeads, int multiprocessors) {
        long ctas = Math.max(1, (long) MMA_CTAS_PER_SM * multiprocessors - kvHeads);
        long perSplit = (heldSlots + ctas - 1) / ctas;
        long rounded = (perSplit + MMA_BLOCK - 1) / MMA_BLOCK * MMA_BLOCK;
        return (int) Math.max(DecodeWorkspace.MIN_SPLIT, Math.min(Integer.MAX_VALUE, rounded));
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
