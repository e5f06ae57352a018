package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.gpu.AttentionShape;
import dev.headroom.attention.gpu.CompressedDecodeKernel;
import dev.headroom.attention.gpu.CompressedKvCache;
import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.DeviceBuffer;
import dev.headroom.attention.gpu.FlashPrefillKernel;
import dev.headroom.attention.gpu.GpuAvailability;
import dev.headroom.attention.gpu.KiviCache;
import dev.headroom.attention.gpu.KiviDecodeKernel;
import dev.headroom.attention.gpu.LinearAttentionKernel;
import dev.headroom.attention.gpu.RandomFill;
import dev.headroom.attention.pattern.HeadPattern;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times headroom's kernels on the shapes (B = 1, 32 query heads, head dim 128, bf16) with
 * CUDA events: median of many runs after warm-up, inputs random (never zeros). Writes one JSON
 * object per row to the file named by the first argument; bench/attention_bench.py joins them with
 * the peers' times and the measured ceilings. Usage: {@code java -cp ...
 * dev.headroom.attention.gpu.tools.GpuBench OUT.jsonl [quick] [family ...]}
 */
public final class GpuBench {
    private static final int HEADS = 32, HEAD_DIM = 128;

    private final CudaContext cuda;
    private final boolean quick;
    private final List<String> rows = new ArrayList<>();

    private final EventTimer timer;

    private GpuBench(CudaContext cuda, boolean quick) {
        this.cuda = cuda;
        this.quick = quick;
        timer = new EventTimer(cuda);
    }

    /** Median milliseconds of {@code reps} runs after {@code warmup} runs ({@link EventTimer}). */
    private double medianMs(Runnable run, int warmup, int reps) {
        return timer.medianMs(run, warmup, reps);
    }

    private void row(
            String name,
            String kind,
            int length,
            int kvHeads,
            double ms,
            double flops,
            double bytes,
            String extra) {
        String json =
                String.format(
                        Locale.ROOT,
                        "{\"name\":\"%s\",\"kind\":\"%s\",\"length\":%d,\"heads\":%d,\"kv_heads\":%d,\"ms\":%.6f,\"flops\":%.6e,"
                                + "\"bytes\":%.6e%s}",
                        name,
                        kind,
                        length,
                        HEADS,
                        kvHeads,
                        ms,
                        flops,
                        bytes,
                        extra);
        rows.add(json);
        System.out.println(json);
    }

    private static HeadPattern[] dense(int kvHeads) {
        return uniform(kvHeads, HeadPattern.full());
    }

    private static HeadPattern[] uniform(int kvHeads, int sink, int window) {
        return uniform(kvHeads, HeadPattern.sinkWindow(sink, window));
    }

    private static HeadPattern[] uniform(int kvHeads, HeadPattern p) {
        HeadPattern[] patterns = new HeadPattern[kvHeads];
        Arrays.fill(patterns, p);
        return patterns;
    }

    /**
     * Visible (query, key) pairs over all KV heads for a sequence, each counted once per KV head.
     */
    static long visiblePairs(HeadPattern[] patterns, int length) {
        long total = 0;
        for (HeadPattern p : patterns) total += p.pairs(length);
        return total;
    }

    /** Visible pairs over the causal triangle's pairs (1 for dense). */
    static double causalDensity(HeadPattern[] patterns, int length) {
        return visiblePairs(patterns, length)
                / ((double) patterns.length * length * (length + 1L) / 2);
    }

    private void prefill(int length, int kvHeads, String name, HeadPattern[] patterns) {
        FlashPrefillKernel kernel = new FlashPrefillKernel(cuda);
        prefill(length, kvHeads, name, patterns, kernel.defaultVariant());
    }

    private void prefill(
            int length,
            int kvHeads,
            String name,
            HeadPattern[] patterns,
            FlashPrefillKernel.Variant variant) {
        AttentionShape shape = new AttentionShape(HEADS, kvHeads, length, HEAD_DIM);
        FlashPrefillKernel kernel = new FlashPrefillKernel(cuda);
        try (DeviceBuffer q = cuda.allocate(2 * shape.queryElements());
                DeviceBuffer k = cuda.allocate(2 * shape.kvElements());
                DeviceBuffer v = cuda.allocate(2 * shape.kvElements());
                DeviceBuffer out = cuda.allocate(2 * shape.queryElements());
                FlashPrefillKernel.Launch launch = kernel.prepare(shape, patterns, variant)) {
            RandomFill.uniformBf16(cuda, q, shape.queryElements(), 11, -1, 1);
            RandomFill.uniformBf16(cuda, k, shape.kvElements(), 12, -1, 1);
            RandomFill.uniformBf16(cuda, v, shape.kvElements(), 13, -1, 1);
            int reps = quick ? 5 : (length > 16384 ? 30 : 100);
            double ms = medianMs(() -> launch.run(q, k, v, out), 3, reps);
            // 2 matmuls of 2 * d flops per visible (query, key) pair; pairs per KV head times the
            // query heads per group
            double flops = 4.0 * HEAD_DIM * visiblePairs(patterns, length) * shape.group();
            row(
                    name,
                    "prefill",
                    length,
                    kvHeads,
                    ms,
                    flops,
                    0,
                    String.format(
                            Locale.ROOT,
                            ",\"density\":%.4f,\"variant\":\"%s\"",
                            causalDensity(patterns, length),
                            variant));
        }
    }

    private void compressedDecode(int length, String name, HeadPattern[] patterns) {
        compressedDecode(length, name, patterns, true);
    }

    /** mma: the tensor-core partial (the default); else the CUDA-core one (rows named simt_). */
    private void compressedDecode(int length, String name, HeadPattern[] patterns, boolean mma) {
        try (CompressedKvCache cache = new CompressedKvCache(cuda, patterns, HEAD_DIM, length);
                CompressedDecodeKernel kernel =
                        new CompressedDecodeKernel(cuda, cache, HEADS, mma);
                DeviceBuffer q = cuda.allocate(2L * HEADS * HEAD_DIM);
                DeviceBuffer out = cuda.allocate(2L * HEADS * HEAD_DIM)) {
            cache.fillRandom(length, 21);
            RandomFill.uniformBf16(cuda, q, (long) HEADS * HEAD_DIM, 22, -1, 1);
            double ms = medianMs(() -> kernel.decode(q, out), 20, quick ? 20 : 200);
            row(name, "decode", length, patterns.length, ms, 0, cache.bytesRead(), "");
        }
    }

    private void kiviDecode(int length, int bits, int kvHeads) {
        kiviDecode(length, bits, kvHeads, false);
    }

    /**
     * walk: the walking kernel (rows named walk_); else one staged chunk per CTA (the default). In
     * bench/results/2026-12-02-h200-decode/run2 the walk was the default, the others named chunk_.
     */
    private void kiviDecode(int length, int bits, int kvHeads, boolean walk) {
        int residual = 128;
        try (KiviCache cache =
                        KiviCache.random(
                                cuda, bits, kvHeads, HEAD_DIM, length - residual, residual, 31);
                KiviDecodeKernel kernel = new KiviDecodeKernel(cuda, cache, HEADS, walk);
                DeviceBuffer q = cuda.allocate(2L * HEADS * HEAD_DIM);
                DeviceBuffer out = cuda.allocate(2L * HEADS * HEAD_DIM)) {
            RandomFill.uniformBf16(cuda, q, (long) HEADS * HEAD_DIM, 32, -1, 1);
            double ms = medianMs(() -> kernel.decode(q, out), 20, quick ? 20 : 200);
            row(
                    (walk ? "walk_" : "") + "kivi" + bits + "_decode_L" + length + "_kv" + kvHeads,
                    "decode",
                    length,
                    kvHeads,
                    ms,
                    0,
                    cache.bytesRead(),
                    ",\"bits\":" + bits);
        }
    }

    private void linear(int length, int kvHeads) {
        AttentionShape shape = new AttentionShape(HEADS, kvHeads, length, HEAD_DIM);
        try (LinearAttentionKernel kernel =
                        new LinearAttentionKernel(cuda, HEADS, kvHeads, HEAD_DIM, true);
                DeviceBuffer q = cuda.allocate(2 * shape.queryElements());
                DeviceBuffer k = cuda.allocate(2 * shape.kvElements());
                DeviceBuffer v = cuda.allocate(2 * shape.kvElements());
                DeviceBuffer out = cuda.allocate(2 * shape.queryElements())) {
            RandomFill.uniformBf16(cuda, q, shape.queryElements(), 41, 0, 1);
            RandomFill.uniformBf16(cuda, k, shape.kvElements(), 42, 0, 1);
            RandomFill.uniformBf16(cuda, v, shape.kvElements(), 43, -1, 1);
            double ms = medianMs(() -> kernel.prefill(q, k, v, out, length), 1, quick ? 3 : 10);
            row(
                    "linear_prefill_L" + length + "_kv" + kvHeads,
                    "prefill",
                    length,
                    kvHeads,
                    ms,
                    4.0 * HEADS * length * HEAD_DIM * HEAD_DIM,
                    0,
                    "");
            double step = medianMs(() -> kernel.decodeStep(q, k, v, out), 20, quick ? 20 : 200);
            row(
                    "linear_decode_step_kv" + kvHeads,
                    "decode",
                    1,
                    kvHeads,
                    step,
                    0,
                    2.0 * 4 * kvHeads * HEAD_DIM * HEAD_DIM,
                    ""); // state read and written, fp32
        }
    }

    /**
     * The mixed MoA-style plan of the issue: 8 KV groups with windows 1K, 1K, 2K, 2K, 4K, 4K, 8K
     * and full, sink 64.
     */
    static HeadPattern[] mixedPlan() {
        HeadPattern[] patterns = new HeadPattern[8];
        int[] windows = {1024, 1024, 2048, 2048, 4096, 4096, 8192};
        for (int h = 0; h < windows.length; h++)
            patterns[h] = HeadPattern.sinkWindow(64, windows[h]);
        patterns[7] = HeadPattern.full();
        return patterns;
    }

    /** The forward-pass kernels' rows (linear layers, norms, RoPE, ...), into the same file. */
    private ForwardBench forward() {
        return new ForwardBench(
                cuda,
                timer,
                quick,
                json -> {
                    rows.add(json);
                    System.out.println(json);
                });
    }

    private void prefillRows() {
        for (int length : quick ? new int[] {8192} : new int[] {8192, 32768}) {
            prefill(length, 32, "dense_prefill_L" + length + "_kv32", dense(32));
            prefill(length, 8, "dense_prefill_L" + length + "_kv8", dense(8));
            prefill(
                    length,
                    32,
                    "sink64_win1024_prefill_L" + length + "_kv32",
                    uniform(32, 64, 1024));
            prefill(
                    length,
                    32,
                    "sink64_win4096_prefill_L" + length + "_kv32",
                    uniform(32, 64, 4096));
            prefill(length, 8, "mixed_prefill_L" + length + "_kv8", mixedPlan());
        }
        int length = quick ? 8192 : 32768; // the portable mma.sync kernel, for comparison
        FlashPrefillKernel.Variant portable = FlashPrefillKernel.Variant.MMA_SYNC;
        prefill(length, 32, "mmasync_dense_prefill_L" + length + "_kv32", dense(32), portable);
        prefill(
                length,
                32,
                "mmasync_sink64_win1024_prefill_L" + length + "_kv32",
                uniform(32, 64, 1024),
                portable);
    }

    private void decodeRows() {
        for (int length : quick ? new int[] {32768} : new int[] {32768, 131072}) {
            compressedDecode(length, "dense_decode_L" + length + "_kv8", dense(8));
            compressedDecode(length, "simt_dense_decode_L" + length + "_kv8", dense(8), false);
            compressedDecode(length, "dense_decode_L" + length + "_kv8", dense(8)); // the spread
            compressedDecode(
                    length,
                    "stream_sink64_win1024_decode_L" + length + "_kv8",
                    uniform(8, 64, 1024));
            compressedDecode(
                    length,
                    "stream_sink64_win4096_decode_L" + length + "_kv8",
                    uniform(8, 64, 4096));
            compressedDecode(length, "mixed_decode_L" + length + "_kv8", mixedPlan());
        }
        compressedDecode(32768, "dense_decode_L32768_kv32", dense(32));
    }

    private void kiviRows() {
        for (int length : quick ? new int[] {32768} : new int[] {32768, 131072}) {
            kiviDecode(length, 2, 8);
            kiviDecode(length, 4, 8);
            kiviDecode(length, 2, 8, true);
            kiviDecode(length, 4, 8, true);
        }
        kiviDecode(131072, 2, 8); // the spread
        kiviDecode(32768, 2, 32);
    }

    /**
     * Usage: GpuBench OUT.jsonl [quick] [prefill|decode|kivi|linear|gemm|gemv|forward ...]; rows
     * are appended to OUT.jsonl.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println(
                    "usage: GpuBench OUT.jsonl [quick]"
                            + " [prefill|decode|kivi|linear|gemm|gemv|forward ...]");
            System.exit(2);
        }
        GpuAvailability gpu = GpuAvailability.probe();
        if (!gpu.available()) {
            System.err.println("bench: no GPU: " + gpu.description());
            System.exit(2);
        }
        List<String> families = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        boolean quick = families.remove("quick");
        if (families.isEmpty()) families = List.of("prefill", "decode", "kivi", "linear");
        System.out.println("bench on " + gpu.description() + " " + families);
        try (CudaContext cuda = new CudaContext()) {
            GpuBench bench = new GpuBench(cuda, quick);
            for (String family : families) {
                switch (family) {
                    case "prefill":
                        bench.prefillRows();
                        break;
                    case "decode":
                        bench.decodeRows();
                        break;
                    case "kivi":
                        bench.kiviRows();
                        break;
                    case "linear":
                        bench.linear(8192, 8);
                        break;
                    case "gemm":
                        bench.forward().gemmRows();
                        break;
                    case "gemv":
                        bench.forward().gemvRows();
                        break;
                    case "forward":
                        bench.forward().forwardRows();
                        break;
                    default:
                        throw new IllegalArgumentException("unknown family " + family);
                }
            }
            Files.write(
                    Path.of(args[0]),
                    bench.rows,
                    java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            bench.timer.close();
        }
    }
}
