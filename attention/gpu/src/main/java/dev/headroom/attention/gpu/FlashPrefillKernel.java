package dev.headroom.attention.gpu;

import dev.headroom.attention.pattern.HeadPattern;
import java.util.Arrays;
import jcuda.driver.CUfunction;

/**
 * Causal flash-attention prefill on the GPU, dense or with one {@link HeadPattern} per KV head:
 * wgmma on Hopper (flash_prefill_sm90a.cu), mma.sync elsewhere (flash_prefill.cu). Tiles outside a
 * head's pattern are skipped; the CTAs are ordered heaviest first so heads with long windows do not
 * leave the GPU half idle at the end.
 *
 * <p>Use {@link #prepare} once per (shape, patterns), then {@link Launch#run} on device buffers;
 * {@link #run} takes host arrays for tests and small calls. Inputs and output are bf16: q, out
 * [heads][length][headDim], k, v [kvHeads][length][headDim].
 */
public final class FlashPrefillKernel {
    /**
     * Which implementation runs: wgmma needs a Hopper GPU (sm_90a); mma.sync runs on any sm_80+
     * GPU.
     */
    public enum Variant {
        WGMMA("flash_prefill_sm90a", "flash_prefill_wgmma_d", 192, 384, 2),
        MMA_SYNC("flash_prefill", "flash_prefill_d", 64, 128, 2);
        final String module, kernelPrefix;

        /** Query rows, threads and K/V buffers per CTA, as in the kernel (BR, THREADS, STAGES). */
        final int queryTile, threads, kvStages;

        Variant(String module, String kernelPrefix, int queryTile, int threads, int kvStages) {
            this.kvStages = kvStages;
            this.module = module;
            this.kernelPrefix = kernelPrefix;
            this.queryTile = queryTile;
            this.threads = threads;
        }
    }

    /** Key rows per tile, as in both kernels (BC). */
    static final int KEY_TILE = 64;

    private final CudaContext cuda;

    public FlashPrefillKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    /** The fastest variant this GPU runs. */
    public Variant defaultVariant() {
        return cuda.computeCapability() == 90 ? Variant.WGMMA : Variant.MMA_SYNC;
    }

    /** Uploads the patterns and the CTA order for one shape, for the default variant. */
    public Launch prepare(AttentionShape shape, HeadPattern[] patterns) {
        return prepare(shape, patterns, defaultVariant());
    }

    /** Uploads the patterns (one per KV head) and the CTA order for one shape. */
    public Launch prepare(AttentionShape shape, HeadPattern[] patterns, Variant variant) {
        HeadPattern[] checked = KernelPatterns.check(patterns);
        if (checked.length != shape.kvHeads()) {
            throw new IllegalArgumentException(
                    checked.length + " head patterns for " + shape.kvHeads() + " KV heads");
        }
        if ((shape.length() + variant.queryTile - 1) / variant.queryTile > 0xffff) {
            throw new IllegalArgumentException(
                    "sequence too long for the work encoding: " + shape.length());
        }
        return new Launch(shape, checked, variant);
    }

    /** Host-array convenience: uploads, runs, downloads. */
    public short[] run(
            short[] q, short[] k, short[] v, AttentionShape shape, HeadPattern[] patterns) {
        return run(q, k, v, shape, patterns, defaultVariant());
    }

    /** Host-array convenience for one variant. */
    public short[] run(
            short[] q,
            short[] k,
            short[] v,
            AttentionShape shape,
            HeadPattern[] patterns,
            Variant variant) {
        try (Launch launch = prepare(shape, patterns, variant);
                DeviceBuffer dq = cuda.allocate(2L * shape.queryElements()).upload(q);
                DeviceBuffer dk = cuda.allocate(2L * shape.kvElements()).upload(k);
                DeviceBuffer dv = cuda.allocate(2L * shape.kvElements()).upload(v);
                DeviceBuffer out = cuda.allocate(2L * shape.queryElements())) {
            out.poisonBf16();
            launch.run(dq, dk, dv, out);
            cuda.synchronize();
            return out.downloadShorts(Math.toIntExact(shape.queryElements()));
        }
    }

    /** A prepared launch: the patterns and the work order live on the device until closed. */
    public final class Launch implements AutoCloseable {
        private final AttentionShape shape;
        private final DeviceBuffer sinks, windows, workItems;
        private final int items;
        private final CUfunction function;
        private final int sharedBytes;
        private final Variant variant;

        private Launch(AttentionShape shape, HeadPattern[] patterns, Variant variant) {
            this.shape = shape;
            this.variant = variant;
            int[] order = workOrder(shape, patterns, variant.queryTile);
            items = order.length;
            sinks = cuda.allocate(4L * patterns.length).upload(KernelPatterns.sinks(patterns));
            windows =
                    cuda.allocate(4L * patterns.length)
                            .upload(KernelPatterns.prefillWindows(patterns));
            workItems = cuda.allocate(4L * items).upload(order);
            function = cuda.function(variant.module, variant.kernelPrefix + shape.headDim());
            // Q tile + double-buffered K and V tiles (+ room to align them to 1024 bytes for wgmma
            // descriptors)
            sharedBytes =
                    (variant.queryTile + 2 * variant.kvStages * KEY_TILE) * shape.headDim() * 2
                            + (variant == Variant.MMA_SYNC ? 0 : 1024);
            cuda.allowDynamicShared(function, sharedBytes);
        }

        public void run(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer out) {
            cuda.launch(
                    function,
                    new int[] {items},
                    variant.threads,
                    sharedBytes,
                    q,
                    k,
                    v,
                    out,
                    sinks,
                    windows,
                    workItems,
                    shape.heads(),
                    shape.kvHeads(),
                    shape.length(),
                    shape.scaleLog2());
        }

        @Override
        public void close() {
            sinks.close();
            windows.close();
            workItems.close();
        }
    }

    /**
     * The CTA order: one item (head << 16 | query tile) per CTA, sorted by the number of key tiles
     * it visits, most first (longest processing time first), so the last wave is made of short
     * items.
     */
    static int[] workOrder(AttentionShape shape, HeadPattern[] patterns, int queryTile) {
        int tiles = (shape.length() + queryTile - 1) / queryTile;
        long[] keyed = new long[shape.heads() * tiles];
        int n = 0;
        for (int head = 0; head < shape.heads(); head++) {
            int kvHead = head / shape.group();
            for (int t = 0; t < tiles; t++) {
                HeadPattern p = patterns[kvHead];
                int work = keyTileCount(t, queryTile, p.sink(), KernelPatterns.prefillWindow(p));
                keyed[n++] = ((long) (Integer.MAX_VALUE - work) << 32) | ((long) head << 16) | t;
            }
        }
        Arrays.sort(keyed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = (int) keyed[i];
        return order;
    }

    /**
     * Key tiles visited by a query tile of {@code rows} rows; mirrors tile_range() in the kernels.
     */
    static int keyTileCount(int queryTile, int rows, int sink, int window) {
        int[] r = keyTileRange(queryTile, rows, sink, window);
        return r[0] + (r[2] - r[1] + 1);
    }

    /**
     * {sink tiles, first window tile, diagonal tile}: tiles [0, sinkTiles) and [windowLo, diag].
     */
    static int[] keyTileRange(int queryTile, int rows, int sink, int window) {
        long q0 = (long) queryTile * rows;
        int diag = (int) ((q0 + rows - 1) / KEY_TILE);
        long firstKey = q0 - window + 1;
        int lo = firstKey < 0 ? 0 : (int) (firstKey / KEY_TILE);
        int sinkTiles = Math.min((sink + KEY_TILE - 1) / KEY_TILE, lo);
        return new int[] {sinkTiles, lo, diag};
    }
}
