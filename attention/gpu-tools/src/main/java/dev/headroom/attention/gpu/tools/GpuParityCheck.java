package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.gpu.AttentionShape;
import dev.headroom.attention.gpu.CompressedDecodeKernel;
import dev.headroom.attention.gpu.CompressedKvCache;
import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.FlashPrefillKernel;
import dev.headroom.attention.gpu.GpuAvailability;
import dev.headroom.attention.gpu.KiviCache;
import dev.headroom.attention.gpu.KiviDecodeKernel;
import dev.headroom.attention.gpu.LinearAttentionKernel;
import dev.headroom.attention.oracle.ReferenceAttention;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.quantize.Bf16;
import dev.headroom.quantize.KiviCacheData;
import dev.headroom.quantize.KiviQuantizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Checks every kernel family against the core's float64 oracle ({@link ReferenceAttention}) on
 * fresh random inputs at several shapes, odd lengths included, with outputs poisoned by NaN before
 * each run. Passing: relative L2 below {@link #BOUND}. Run on the GPU machine: {@code java -cp ...
 * dev.headroom.attention.gpu.tools.GpuParityCheck [--seed N] [family ...]}.
 */
public final class GpuParityCheck {
    public static final double BOUND = 1e-2;

    /**
     * One comparison, passing below its bound ({@link #BOUND} unless given). NaN in the output
     * makes relL2 NaN, which never passes.
     */
    public record Result(String name, double relL2, double bound) {
        public Result(String name, double relL2) {
            this(name, relL2, BOUND);
        }

        public boolean passed() {
            return relL2 < bound; // false for NaN
        }

        @Override
        public String toString() {
            return String.format(
                    "%-58s rel L2 %.2e (bound %.0e)  %s",
                    name, relL2, bound, passed() ? "ok" : "FAIL");
        }
    }

    private final CudaContext cuda;
    private final Random random;

    public GpuParityCheck(CudaContext cuda, long seed) {
        this.cuda = cuda;
        this.random = new Random(seed);
    }

    private static HeadPattern full() {
        return HeadPattern.full();
    }

    private static HeadPattern sw(int sink, int window) {
        return HeadPattern.sinkWindow(sink, window);
    }

    private static HeadPattern[] dense(int kvHeads) {
        HeadPattern[] p = new HeadPattern[kvHeads];
        Arrays.fill(p, full());
        return p;
    }

    /** The bf16 output widened, against the float64 reference: NaN anywhere gives NaN. */
    static double relativeL2(short[] outBf16, double[] ref) {
        double[] out = new double[outBf16.length];
        for (int i = 0; i < out.length; i++) out[i] = Bf16.toFloat(outBf16[i]);
        return ReferenceAttention.relativeL2(out, ref);
    }

    private short[] uniform(long n, float lo, float hi) {
        short[] x = new short[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++)
            x[i] = Bf16.fromFloat(lo + (hi - lo) * random.nextFloat());
        return x;
    }

    public List<Result> prefill() {
        List<Result> results = new ArrayList<>();
        FlashPrefillKernel kernel = new FlashPrefillKernel(cuda);
        Object[][] cases = {
            {new AttentionShape(4, 2, 1, 64), dense(2)},
            {new AttentionShape(4, 1, 131, 128), dense(1)},
            {new AttentionShape(2, 2, 200, 64), dense(2)},
            {new AttentionShape(8, 2, 257, 128), dense(2)},
            {new AttentionShape(4, 2, 300, 64), new HeadPattern[] {sw(4, 17), sw(64, 100)}},
            {
                new AttentionShape(8, 4, 513, 128),
                new HeadPattern[] {sw(0, 64), sw(64, 1), sw(3, 200), full()}
            },
            {
                new AttentionShape(4, 4, 390, 128),
                new HeadPattern[] {sw(1, 65), sw(0, 130), sw(70, 63), sw(5, 129)}
            },
        };
        List<FlashPrefillKernel.Variant> variants =
                new ArrayList<>(List.of(FlashPrefillKernel.Variant.MMA_SYNC));
        if (cuda.computeCapability() == 90) variants.add(FlashPrefillKernel.Variant.WGMMA);
        for (Object[] c : cases) {
            AttentionShape s = (AttentionShape) c[0];
            HeadPattern[] patterns = (HeadPattern[]) c[1];
            short[] q = uniform(s.queryElements(), -1, 1), k = uniform(s.kvElements(), -1, 1);
            short[] v = uniform(s.kvElements(), -1, 1);
            double[] ref =
                    ReferenceAttention.prefill(
                            Bf16.toFloats(q),
                            Bf16.toFloats(k),
                            Bf16.toFloats(v),
                            s.heads(),
                            s.length(),
                            s.headDim(),
                            patterns);
            for (FlashPrefillKernel.Variant variant : variants) {
                short[] out = kernel.run(q, k, v, s, patterns, variant);
                results.add(
                        new Result(
                                "prefill "
                                        + variant
                                        + " "
                                        + shortName(s)
                                        + " "
                                        + Arrays.toString(patterns),
                                relativeL2(out, ref)));
            }
        }
        return results;
    }

    public List<Result> compressedDecode() {
        List<Result> results = new ArrayList<>();
        Object[][] cases = { // heads, patterns, headDim, tokens
            {8, new HeadPattern[] {sw(4, 37), full()}, 64, 100},
            {4, new HeadPattern[] {sw(64, 64), sw(0, 300), full(), sw(1, 999)}, 128, 1501},
            {8, dense(1), 128, 2053},
            {
                32, dense(8), 128, 7777
            }, // many splits of the tensor-core partial, 8 KV heads as benched
            {16, dense(8), 64, 3001},
        };
        for (boolean mma : new boolean[] {true, false})
            for (Object[] c : cases) {
                int heads = (Integer) c[0], d = (Integer) c[2], tokens = (Integer) c[3];
                HeadPattern[] patterns = (HeadPattern[]) c[1];
                int kvHeads = patterns.length;
                short[] histK = uniform((long) kvHeads * tokens * d, -1, 1),
                        histV = uniform((long) kvHeads * tokens * d, -1, 1);
                try (CompressedKvCache cache = new CompressedKvCache(cuda, patterns, d, tokens);
                        CompressedDecodeKernel kernel =
                                new CompressedDecodeKernel(cuda, cache, heads, mma)) {
                    short[] kRow = new short[kvHeads * d], vRow = new short[kvHeads * d];
                    for (int t = 0;
                            t < tokens;
                            t++) { // token by token, so the ring buffer wraps as in real decoding
                        for (int h = 0; h < kvHeads; h++) {
                            System.arraycopy(histK, (h * tokens + t) * d, kRow, h * d, d);
                            System.arraycopy(histV, (h * tokens + t) * d, vRow, h * d, d);
                        }
                        cache.append(kRow, vRow);
                    }
                    short[] q = uniform((long) heads * d, -1, 1);
                    short[] out = kernel.decode(q);
                    float[][] keys = new float[kvHeads][], values = new float[kvHeads][];
                    for (int h = 0; h < kvHeads; h++) {
                        List<Integer> kept = new ArrayList<>();
                        for (int j = 0; j < tokens; j++)
                            if (patterns[h].visible(tokens - 1, j)) kept.add(j);
                        keys[h] = new float[kept.size() * d];
                        values[h] = new float[kept.size() * d];
                        for (int i = 0; i < kept.size(); i++) {
                            for (int e = 0; e < d; e++) {
                                keys[h][i * d + e] =
                                        Bf16.toFloat(histK[(h * tokens + kept.get(i)) * d + e]);
                                values[h][i * d + e] =
                                        Bf16.toFloat(histV[(h * tokens + kept.get(i)) * d + e]);
                            }
                        }
                    }
                    double[] ref =
                            ReferenceAttention.decode(Bf16.toFloats(q), keys, values, heads, d);
                    results.add(
                            new Result(
                                    (mma
                                                    ? "compressed decode (mma) heads "
                                                    : "compressed decode (simt) heads ")
                                            + heads
                                            + " d "
                                            + d
                                            + " tokens "
                                            + tokens
                                            + " "
                                            + Arrays.toString(patterns),
                                    relativeL2(out, ref)));
                }
            }
        return results;
    }

    public List<Result> kiviDecode() {
        List<Result> results = new ArrayList<>();
        int[][] cases = { // bits, heads, kvHeads, headDim, tokens, minResidual
            {2, 8, 2, 128, 300, 40},
            {4, 8, 2, 128, 300, 40},
            {2, 4, 4, 64, 2100, 128},
            {4, 8, 1, 64, 1111, 17},
            {2, 16, 2, 128, 20, 32},
            {4, 4, 2, 128, 4129, 0},
            {
                2, 32, 8, 128, 20077, 40
            }, // several chunks per CTA of the walking kernel, a short last split
            {4, 32, 8, 128, 20077, 40},
            {2, 16, 8, 64, 12345, 17},
        };
        for (int[] c : cases) {
            int bits = c[0],
                    heads = c[1],
                    kvHeads = c[2],
                    d = c[3],
                    tokens = c[4],
                    minResidual = c[5];
            short[] k = uniform((long) kvHeads * tokens * d, -1, 1),
                    v = uniform((long) kvHeads * tokens * d, -1, 1);
            KiviCacheData data =
                    KiviQuantizer.quantize(k, v, kvHeads, tokens, d, bits, minResidual);
            for (boolean walk : new boolean[] {true, false})
                try (KiviCache cache = KiviCache.upload(cuda, data);
                        KiviDecodeKernel kernel = new KiviDecodeKernel(cuda, cache, heads, walk)) {
                    short[] q = uniform((long) heads * d, -1, 1);
                    short[] out = kernel.decode(q);
                    float[][] keys = new float[kvHeads][], values = new float[kvHeads][];
                    for (int h = 0; h < kvHeads; h++) {
                        keys[h] = data.keys(h);
                        values[h] = data.values(h);
                    }
                    double[] ref =
                            ReferenceAttention.decode(Bf16.toFloats(q), keys, values, heads, d);
                    results.add(
                            new Result(
                                    String.format(
                                            "kivi decode (%s) %d-bit heads %d/%d d %d quantized %d residual %d",
                                            walk ? "walk" : "one chunk",
                                            bits,
                                            heads,
                                            kvHeads,
                                            d,
                                            data.quantizedTokens(),
                                            data.residualTokens()),
                                    relativeL2(out, ref)));
                }
        }
        return results;
    }

    public List<Result> linear() {
        List<Result> results = new ArrayList<>();
        Object[][] cases = {
            {new AttentionShape(4, 2, 77, 64), true},
            {new AttentionShape(2, 1, 100, 128), false},
            {new AttentionShape(8, 8, 33, 128), true}
        };
        for (Object[] c : cases) {
            AttentionShape s = (AttentionShape) c[0];
            boolean normalize = (Boolean) c[1];
            int len = s.length(), d = s.headDim();
            AttentionShape full =
                    new AttentionShape(
                            s.heads(), s.kvHeads(), len + 1, d); // prefill + one decode step
            short[] q = uniform(full.queryElements(), 0, 1), k = uniform(full.kvElements(), 0, 1);
            short[] v = uniform(full.kvElements(), -1, 1);
            double[] ref =
                    ReferenceAttention.linear(
                            Bf16.toFloats(q),
                            Bf16.toFloats(k),
                            Bf16.toFloats(v),
                            full.heads(),
                            full.kvHeads(),
                            full.length(),
                            d,
                            normalize);
            try (LinearAttentionKernel kernel =
                    new LinearAttentionKernel(cuda, s.heads(), s.kvHeads(), d, normalize)) {
                short[] out =
                        kernel.prefill(
                                prefix(q, s.heads(), len + 1, len, d),
                                prefix(k, s.kvHeads(), len + 1, len, d),
                                prefix(v, s.kvHeads(), len + 1, len, d),
                                len);
                double[] refPrefill = new double[out.length];
                for (int h = 0; h < s.heads(); h++)
                    System.arraycopy(ref, h * (len + 1) * d, refPrefill, h * len * d, len * d);
                results.add(
                        new Result(
                                "linear prefill " + s + " normalize " + normalize,
                                relativeL2(out, refPrefill)));
                short[] step =
                        kernel.decodeStep(
                                row(q, s.heads(), len + 1, len, d),
                                row(k, s.kvHeads(), len + 1, len, d),
                                row(v, s.kvHeads(), len + 1, len, d));
                double[] refStep = new double[s.heads() * d];
                for (int h = 0; h < s.heads(); h++)
                    System.arraycopy(ref, (h * (len + 1) + len) * d, refStep, h * d, d);
                results.add(
                        new Result(
                                "linear decode step after "
                                        + len
                                        + " heads "
                                        + s.heads()
                                        + "/"
                                        + s.kvHeads()
                                        + " d "
                                        + d,
                                relativeL2(step, refStep)));
            }
        }
        return results;
    }

    private static String shortName(AttentionShape s) {
        return "heads "
                + s.heads()
                + "/"
                + s.kvHeads()
                + " len "
                + s.length()
                + " d "
                + s.headDim();
    }

    /** The first {@code keep} tokens of each head of [heads][len][d]. */
    private static short[] prefix(short[] x, int heads, int len, int keep, int d) {
        short[] out = new short[heads * keep * d];
        for (int h = 0; h < heads; h++)
            System.arraycopy(x, h * len * d, out, h * keep * d, keep * d);
        return out;
    }

    /** Token {@code t} of each head of [heads][len][d], as [heads][d]. */
    private static short[] row(short[] x, int heads, int len, int t, int d) {
        short[] out = new short[heads * d];
        for (int h = 0; h < heads; h++) System.arraycopy(x, (h * len + t) * d, out, h * d, d);
        return out;
    }

    /** Results of one family: prefill, compressed, kivi, linear, hybrid, gemm or forward. */
    public List<Result> family(String name) {
        switch (name) {
            case "gemm":
                return new ForwardParityCheck(cuda, random.nextLong()).gemm();
            case "forward":
                return new ForwardParityCheck(cuda, random.nextLong()).forward();
            case "prefill":
                return prefill();
            case "compressed":
                return compressedDecode();
            case "kivi":
                return kiviDecode();
            case "linear":
                return linear();
            case "hybrid":
                return new HybridParityCheck(cuda, random.nextLong()).hybrid();
            default:
                throw new IllegalArgumentException("unknown family " + name);
        }
    }

    /**
     * Usage: GpuParityCheck [--seed N] [prefill|compressed|kivi|linear|hybrid|gemm|forward ...]
     * (all families when none named).
     */
    public static void main(String[] args) {
        long seed = System.nanoTime();
        List<String> families = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seed")) seed = Long.parseLong(args[++i]);
            else families.add(args[i]);
        }
        if (families.isEmpty())
            families =
                    List.of("prefill", "compressed", "kivi", "linear", "hybrid", "gemm", "forward");
        GpuAvailability gpu = GpuAvailability.probe();
        if (!gpu.available()) {
            System.out.println("parity: skipped, " + gpu.description());
            System.exit(2);
        }
        System.out.println(
                "parity on "
                        + gpu.description()
                        + ", seed "
                        + seed
                        + ", bound "
                        + BOUND
                        + " unless stated");
        int failed = 0;
        try (CudaContext cuda = new CudaContext()) {
            GpuParityCheck check = new GpuParityCheck(cuda, seed);
            for (String family : families) {
                for (Result r : check.family(family)) {
                    System.out.println(r);
                    if (!r.passed()) failed++;
                }
            }
        }
        System.out.println(
                failed == 0
                        ? "parity: all passed " + families
                        : "parity: " + failed + " FAILED " + families);
        System.exit(failed == 0 ? 0 : 1);
    }
}
