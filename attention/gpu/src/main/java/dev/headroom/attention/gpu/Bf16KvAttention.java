package dev.headroom.attention.gpu;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.pattern.HeadPattern;
import jcuda.driver.CUfunction;

/**
 * Attention of the forward pass over bf16 KV caches ({@link CompressedKvCache}, one per layer of a
 * sequence): the flash prefill kernels for a prompt into an empty cache, the split-K decode kernels
 * for every other token, one at a time. Both read the per-KV-head patterns of the policy (full, or
 * sink + ring window), so a streaming head costs its window and not the context. The decode
 * partials are the tensor-core kernels (compressed_decode_partial_mma_*, one wave of splits).
 *
 * <p>Shapes: T tokens of the call, H/KV query/KV heads, hd head dim, Q = (H + 2 KV) hd the fused
 * qkv row (fp32, RoPE applied). The output is bf16 [T][H hd], the o_proj's input. Scratch (q, k, v
 * head-major and the prefill's head-major output) grows with the longest prompt; the split-K
 * scratch is shared by every cache, since one step runs at a time.
 */
final class Bf16KvAttention implements AutoCloseable {
    private static final int THREADS = 256;

    private final CudaContext cuda;
    private final int heads, kvHeads, headDim, qkvWidth;
    private final FlashPrefillKernel prefill;
    private final CUfunction partial, combine;
    private DecodeWorkspace decodeScratch;
    private int decodeTokens;
    private DeviceBuffer q, k, v, headsOut; // [H][T][hd], [KV][T][hd] x 2, [H][T][hd] bf16
    private int scratchTokens;

    Bf16KvAttention(CudaContext cuda, ModelConfig c) {
        this.cuda = cuda;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.qkvWidth = (heads + 2 * kvHeads) * headDim;
        this.prefill = new FlashPrefillKernel(cuda);
        this.partial =
                cuda.function("compressed_decode", "compressed_decode_partial_mma_d" + headDim);
        this.combine = CompressedDecodeKernel.combineKernel(cuda);
        growScratch(1);
        growDecode(4096);
    }

    /** Whether a model's head dim has bf16 cache kernels (64 or 128). */
    static boolean supports(ModelConfig c) {
        return c.headDim() == 64 || c.headDim() == 128;
    }

    /** Device bytes of the scratch a prompt of {@code tokens} needs (q, k, v, head-major out). */
    static long scratchBytes(ModelConfig c, long tokens) {
        return 2L * tokens * c.headDim() * (2L * c.numHeads() + 2L * c.numKvHeads());
    }

    long deviceBytes() {
        return q.bytes()
                + k.bytes()
                + v.bytes()
                + headsOut.bytes()
                + decodeScratch.partO.bytes()
                + decodeScratch.partM.bytes()
                + decodeScratch.partL.bytes();
    }

    private void growScratch(int tokens) {
        if (tokens <= scratchTokens) return;
        closeScratch();
        q = cuda.allocate(2L * heads * tokens * headDim);
        k = cuda.allocate(2L * kvHeads * tokens * headDim);
        v = cuda.allocate(2L * kvHeads * tokens * headDim);
        headsOut = cuda.allocate(2L * heads * tokens * headDim);
        scratchTokens = tokens;
    }

    private void growDecode(int tokens) {
        if (tokens <= decodeTokens) return;
        if (decodeScratch != null) decodeScratch.close();
        decodeScratch = CompressedDecodeKernel.workspace(cuda, heads, headDim, tokens);
        decodeTokens = tokens;
    }

    /**
     * Attention of T tokens at positions cache.tokens() onwards, appending their keys and values.
     *
     * @param qkv [T][Q] fp32 rows
     * @param out [T][H hd] bf16
     */
    void run(
            CompressedKvCache cache,
            HeadPattern[] patterns,
            DeviceBuffer qkv,
            DeviceBuffer out,
            int tokens) {
        growDecode(Math.max(cache.maxTokens(), cache.tokens() + tokens));
        if (cache.tokens() == 0 && tokens > 1) {
            prompt(cache, patterns, qkv, out, tokens);
            return;
        }
        for (int t = 0; t < tokens; t++)
            step(
                    cache,
                    qkv.slice(4L * t * qkvWidth, 4L * qkvWidth),
                    out.slice(2L * t * heads * headDim, 2L * heads * headDim));
    }

    /**
     * A whole prompt into an empty cache: flash prefill over the prompt's own keys, then the
     * append.
     */
    private void prompt(
            CompressedKvCache cache,
            HeadPattern[] patterns,
            DeviceBuffer qkv,
            DeviceBuffer out,
            int tokens) {
        growScratch(tokens);
        split(qkv, tokens); // q [H][T][hd], k, v [KV][T][hd]
        try (FlashPrefillKernel.Launch launch =
                prefill.prepare(new AttentionShape(heads, kvHeads, tokens, headDim), patterns)) {
            launch.run(q, k, v, headsOut); // [H][T][hd]
        }
        cuda.launch(
                cuda.function("runtime", "rt_heads_to_rows_bf16"),
                grid((long) tokens * heads * headDim),
                THREADS,
                0,
                headsOut,
                out,
                tokens,
                heads,
                headDim); // out [T][H hd]
        cache.appendRows(k, v, tokens);
    }

    /** One token: append its key and value, then decode its query over the cache. */
    private void step(CompressedKvCache cache, DeviceBuffer qkvRow, DeviceBuffer outRow) {
        split(qkvRow, 1); // q [H][hd], k, v [KV][hd]
        cache.append(k, v);
        CompressedDecodeKernel.decodeMma(
                cuda, cache, heads, decodeScratch, partial, combine, q, outRow); // [H][hd]
    }

    /**
     * The tables and scratch of a batched decode step over B sequences of one policy (the same
     * patterns and cache sizes in every layer), made before a graph capture: per layer the device
     * addresses of each row's key and value caches, q [B][H][hd], and split-K partials for all
     * rows. The split length of a layer is fixed for the longest its caches get in the replays.
     */
    final class Batch implements AutoCloseable {
        private final int rows;
        private final CompressedKvCache[] layout; // row 0's caches: slot offsets, sinks, windows
        private final DeviceBuffer[] keyTables, valueTables; // [L] of B addresses
        private final int[] splitLength, splits; // [L]
        private final DeviceBuffer q, partO, partM, partL;
        private final int maxSplits;

        Batch(CompressedKvCache[][] caches, int lastTokens) { // caches [B][L]
            rows = caches.length;
            int layers = caches[0].length;
            layout = caches[0].clone();
            keyTables = new DeviceBuffer[layers];
            valueTables = new DeviceBuffer[layers];
            splitLength = new int[layers];
            splits = new int[layers];
            int most = 1;
            for (int l = 0; l < layers; l++) {
                CompressedKvCache c0 = caches[0][l];
                for (CompressedKvCache[] row : caches)
                    if (!java.util.Arrays.equals(row[l].patterns(), c0.patterns())
                            || row[l].maxTokens() != c0.maxTokens())
                        throw new IllegalArgumentException(
                                "a batched decode step needs one policy and one cache size");
                splitLength[l] =
                        CompressedDecodeKernel.mmaSplitLength(
                                (long) rows * c0.heldSlotsAt(lastTokens),
                                rows * kvHeads,
                                cuda.multiprocessors());
                splits[l] = DecodeWorkspace.splits(c0.longestHeadAt(lastTokens), splitLength[l]);
                most = Math.max(most, splits[l]);
            }
            maxSplits = most;
            q = cuda.allocate(2L * rows * heads * headDim);
            partO = cuda.allocate(4L * rows * heads * maxSplits * headDim);
            partM = cuda.allocate(4L * rows * heads * maxSplits);
            partL = cuda.allocate(4L * rows * heads * maxSplits);
            CUfunction store = cuda.function("compressed_decode", "compressed_store_address");
            for (int l = 0; l < layers; l++) {
                keyTables[l] = cuda.allocate(8L * rows);
                valueTables[l] = cuda.allocate(8L * rows);
                for (int b = 0; b < rows; b++) {
                    cuda.launch(store, new int[] {1}, 1, 0, keyTables[l], b, caches[b][l].keys());
                    cuda.launch(
                            store, new int[] {1}, 1, 0, valueTables[l], b, caches[b][l].values());
                }
            }
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {q, partO, partM, partL}) b.close();
            for (int l = 0; l < keyTables.length; l++) {
                keyTables[l].close();
                valueTables[l].close();
            }
        }
    }

    /**
     * Layer {@code l} of a batched decode step, each row's position read from positions[b] (device
     * ints): RoPE, the bf16 split and the cache append in one launch, then the split-K decode of
     * every row in two. qkv [B][Q] fp32 (not yet rotated), out [B][H hd] bf16. The caller counts
     * the tokens on the host after the replays ({@link CompressedKvCache#advance}).
     */
    void stepBatch(
            Batch batch,
            int l,
            DeviceBuffer qkv,
            DeviceBuffer cos,
            DeviceBuffer sin,
            DeviceBuffer positions,
            DeviceBuffer out) {
        CompressedKvCache layout = batch.layout[l];
        cuda.launch(
                cuda.function("compressed_decode", "compressed_rope_append_batch"),
                new int[] {heads + kvHeads, batch.rows},
                headDim / 2,
                0,
                qkv,
                cos,
                sin,
                positions,
                batch.q,
                batch.keyTables[l],
                batch.valueTables[l],
                layout.offsets(),
                layout.sinks(),
                layout.windows(),
                heads,
                kvHeads,
                headDim);
        int splitLength = batch.splitLength[l];
        cuda.launch(
                cuda.function(
                        "compressed_decode", "compressed_decode_partial_mma_batch_d" + headDim),
                new int[] {kvHeads, batch.splits[l], batch.rows},
                DecodeWorkspace.THREADS,
                0,
                batch.q,
                batch.keyTables[l],
                batch.valueTables[l],
                layout.offsets(),
                layout.sinks(),
                layout.windows(),
                positions,
                heads,
                kvHeads,
                splitLength,
                batch.maxSplits,
                new AttentionShape(heads, kvHeads, 1, headDim).scaleLog2(),
                batch.partO,
                batch.partM,
                batch.partL);
        cuda.launch(
                cuda.function("compressed_decode", "compressed_decode_combine_batch"),
                new int[] {heads, headDim / DecodeWorkspace.COMBINE_SLICE, batch.rows},
                DecodeWorkspace.COMBINE_THREADS,
                0,
                batch.partO,
                batch.partM,
                batch.partL,
                layout.sinks(),
                layout.windows(),
                positions,
                heads,
                kvHeads,
                headDim,
                splitLength,
                batch.maxSplits,
                out);
    }

    private void split(DeviceBuffer qkv, int tokens) {
        cuda.launch(
                cuda.function("runtime", "rt_split_qkv_bf16"),
                grid((long) tokens * qkvWidth),
                THREADS,
                0,
                qkv,
                q,
                k,
                v,
                tokens,
                heads,
                kvHeads,
                headDim);
    }

    private static int[] grid(long elements) {
        return new int[] {
            (int) Math.max(1, Math.min(65535L * 8, (elements + THREADS - 1) / THREADS))
        };
    }

    private void closeScratch() {
        for (DeviceBuffer b : new DeviceBuffer[] {q, k, v, headsOut}) if (b != null) b.close();
    }

    @Override
    public void close() {
        closeScratch();
        if (decodeScratch != null) decodeScratch.close();
    }
}
