package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.gpu.ArgmaxKernel;
import dev.headroom.attention.gpu.CopyKernel;
import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.DeviceBuffer;
import dev.headroom.attention.gpu.EmbeddingKernel;
import dev.headroom.attention.gpu.GemmKernel;
import dev.headroom.attention.gpu.GemvKernel;
import dev.headroom.attention.gpu.RandomFill;
import dev.headroom.attention.gpu.ResidualAddKernel;
import dev.headroom.attention.gpu.RmsNormKernel;
import dev.headroom.attention.gpu.RopeKernel;
import dev.headroom.attention.gpu.SwiGluKernel;
import dev.headroom.attention.gpu.tools.GpuParityCheck.Result;
import dev.headroom.attention.model.RopeConfig;
import dev.headroom.attention.oracle.ReferenceAttention;
import dev.headroom.quantize.Bf16;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The forward-pass kernels (linear layers, RMSNorm, RoPE, SwiGLU, embedding, residual adds, argmax,
 * copy) against {@link ForwardReference}'s float64 loops, on fresh random bf16-representable
 * inputs, outputs poisoned with NaN before each run. Bounds, by what the output is: {@link
 * #BF16_BOUND} for bf16 outputs (rounding alone gives about 1.1e-3), {@link #F32_BOUND} for fp32
 * outputs of an fp32 (tensor-core) accumulation, {@link #ADD_BOUND} for fp32 element-wise sums, and
 * exact equality (bound {@link #EXACT}) for lookups, copies and argmax indices.
 */
public final class ForwardParityCheck {
    public static final double BF16_BOUND = 5e-3, F32_BOUND = 1e-4, ADD_BOUND = 1e-6;
    public static final double EXACT = 1e-300;

    private final CudaContext cuda;
    private final Random random;

    public ForwardParityCheck(CudaContext cuda, long seed) {
        this.cuda = cuda;
        this.random = new Random(seed);
    }

    private short[] uniformBf16(long n, float lo, float hi) {
        short[] x = new short[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++)
            x[i] = Bf16.fromFloat(lo + (hi - lo) * random.nextFloat());
        return x;
    }

    private float[] uniform(long n, float lo, float hi) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * random.nextFloat();
        return x;
    }

    static double relativeL2(float[] out, double[] ref) {
        double[] o = new double[out.length];
        for (int i = 0; i < o.length; i++) o[i] = out[i];
        return ReferenceAttention.relativeL2(o, ref);
    }

    /** 0 when equal, else the fraction of positions that differ (NaN compares unequal). */
    static double mismatch(int[] out, int[] ref) {
        int bad = out.length == ref.length ? 0 : Math.max(out.length, ref.length);
        for (int i = 0; i < Math.min(out.length, ref.length); i++) if (out[i] != ref[i]) bad++;
        return (double) bad / Math.max(1, ref.length);
    }

    static double mismatch(float[] out, float[] ref) {
        int bad = 0;
        for (int i = 0; i < ref.length; i++)
            if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(ref[i])) bad++;
        return (double) bad / Math.max(1, ref.length);
    }

    private DeviceBuffer upload(short[] host) {
        return cuda.allocate(2L * host.length).upload(host);
    }

    private DeviceBuffer upload(float[] host) {
        return cuda.allocate(4L * host.length).upload(host);
    }

    private DeviceBuffer upload(int[] host) {
        return cuda.allocate(4L * host.length).upload(host);
    }

    /** Linear layers: both GEMM variants (where the GPU runs them) and the GEMV, every output. */
    public List<Result> gemm() {
        List<Result> results = new ArrayList<>();
        GemmKernel gemm = new GemmKernel(cuda);
        GemvKernel gemv = new GemvKernel(cuda);
        List<GemmKernel.Variant> variants = gemm.variants();
        int[][] gemmCases = { // m, n, k: edges in every dimension, many row groups, a vocab-wide n
            {1, 200, 64},
            {8, 136, 4096},
            {77, 200, 136},
            {257, 264, 4096},
            {1100, 300, 128},
            {20, 128256, 64}
        };
        for (int[] c : gemmCases) {
            for (GemmKernel.Variant v : variants) {
                results.addAll(
                        linearCase(
                                "gemm " + v,
                                c[0],
                                c[1],
                                c[2],
                                (x, w, y, out) -> gemm.run(x, w, y, c[0], c[1], c[2], out, v)));
            }
        }
        int[][] gemvCases = {
            {1, 100, 64}, {3, 4113, 4104}, {8, 520, 14336}, {8, 128256, 64}, {5, 33, 8}
        };
        for (int[] c : gemvCases) {
            for (GemvKernel.Variant v : GemvKernel.Variant.values()) {
                results.addAll(
                        linearCase(
                                "gemv " + v,
                                c[0],
                                c[1],
                                c[2],
                                (x, w, y, out) -> gemv.run(x, w, y, c[0], c[1], c[2], out, v)));
            }
        }
        for (GemmKernel.Variant v : variants) results.add(sampledGemm(gemm, v, 8192, 6144, 4096));
        return results;
    }

    private interface LinearLaunch {
        void run(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, GemmKernel.Output out);
    }

    /** One shape, all three outputs: bf16, fp32, and fp32 added onto a random y. */
    private List<Result> linearCase(String kernel, int m, int n, int k, LinearLaunch launch) {
        List<Result> results = new ArrayList<>();
        short[] x = uniformBf16((long) m * k, -1, 1), w = uniformBf16((long) n * k, -1, 1);
        double[] ref = ForwardReference.linear(Bf16.toFloats(x), Bf16.toFloats(w), m, n, k);
        float[] y0 = uniform((long) m * n, -1, 1);
        double[] refAdded = new double[ref.length];
        for (int i = 0; i < ref.length; i++) refAdded[i] = ref[i] + y0[i];
        String name = String.format("%s m %d n %d k %d", kernel, m, n, k);
        try (DeviceBuffer dx = upload(x);
                DeviceBuffer dw = upload(w);
                DeviceBuffer y = cuda.allocate(4L * m * n)) {
            y.poisonBf16();
            launch.run(dx, dw, y, GemmKernel.Output.BF16);
            cuda.synchronize();
            results.add(
                    new Result(
                            name + " bf16",
                            GpuParityCheck.relativeL2(y.downloadShorts(m * n), ref),
                            BF16_BOUND));
            y.poisonFloat();
            launch.run(dx, dw, y, GemmKernel.Output.F32);
            cuda.synchronize();
            results.add(
                    new Result(
                            name + " fp32", relativeL2(y.downloadFloats(m * n), ref), F32_BOUND));
            y.upload(y0);
            launch.run(dx, dw, y, GemmKernel.Output.F32_ADD);
            cuda.synchronize();
            results.add(
                    new Result(
                            name + " fp32 y+=",
                            relativeL2(y.downloadFloats(m * n), refAdded),
                            F32_BOUND));
        }
        return results;
    }

    /**
     * A benchmark-sized product (inputs filled on the device), checked on 17 rows spread over all
     * row tiles, the last included.
     */
    private Result sampledGemm(GemmKernel gemm, GemmKernel.Variant v, int m, int n, int k) {
        try (DeviceBuffer x = cuda.allocate(2L * m * k);
                DeviceBuffer w = cuda.allocate(2L * n * k);
                DeviceBuffer y = cuda.allocate(2L * m * n)) {
            RandomFill.uniformBf16(cuda, x, (long) m * k, random.nextLong(), -1, 1);
            RandomFill.uniformBf16(cuda, w, (long) n * k, random.nextLong(), -1, 1);
            y.poisonBf16();
            gemm.run(x, w, y, m, n, k, GemmKernel.Output.BF16, v);
            cuda.synchronize();
            float[] hx = Bf16.toFloats(x.downloadShorts(m * k));
            float[] hw = Bf16.toFloats(w.downloadShorts(n * k));
            short[] hy = y.downloadShorts(m * n);
            int samples = 17;
            double[] ref = new double[samples * n];
            short[] got = new short[samples * n];
            for (int s = 0; s < samples; s++) {
                int row = s == samples - 1 ? m - 1 : (int) ((long) s * m / (samples - 1)) + s % 7;
                ForwardReference.linearRow(hx, hw, row, n, k, ref, s * n);
                System.arraycopy(hy, row * n, got, s * n, n);
            }
            return new Result(
                    String.format("gemm %s m %d n %d k %d bf16, 17 rows", v, m, n, k),
                    GpuParityCheck.relativeL2(got, ref),
                    BF16_BOUND);
        }
    }

    /** RMSNorm, RoPE, SwiGLU, embedding, residual adds, argmax and copy. */
    public List<Result> forward() {
        List<Result> results = new ArrayList<>();
        rmsNorm(results);
        rope(results);
        swiglu(results);
        embedding(results);
        residual(results);
        argmax(results);
        copy(results);
        return results;
    }

    private void rmsNorm(List<Result> results) {
        RmsNormKernel kernel = new RmsNormKernel(cuda);
        int[][] cases = {
            {3, 4096, 0}, {1, 68, 0}, {33, 4096, 1}, {2, 14336, 1}
        }; // rows, dim, delta
        float eps = 1e-5f;
        for (int[] c : cases) {
            int rows = c[0], dim = c[1];
            boolean withDelta = c[2] == 1;
            float[] x = uniform((long) rows * dim, -3, 3);
            short[] weight = uniformBf16(dim, 0.5f, 1.5f);
            short[] delta = uniformBf16((long) rows * dim, -1, 1);
            float[] summed = x.clone();
            if (withDelta)
                for (int i = 0; i < x.length; i++) summed[i] = x[i] + Bf16.toFloat(delta[i]);
            double[] ref = ForwardReference.rmsNorm(summed, Bf16.toFloats(weight), rows, dim, eps);
            try (DeviceBuffer dx = upload(x);
                    DeviceBuffer dw = upload(weight);
                    DeviceBuffer dd = upload(delta);
                    DeviceBuffer y = cuda.allocate(2L * rows * dim)) {
                y.poisonBf16();
                if (withDelta) kernel.addAndNormalize(dx, dd, dw, y, rows, dim, eps);
                else kernel.run(dx, dw, y, rows, dim, eps);
                cuda.synchronize();
                String name =
                        "rmsnorm rows " + rows + " dim " + dim + (withDelta ? " after x+=" : "");
                results.add(
                        new Result(
                                name,
                                GpuParityCheck.relativeL2(y.downloadShorts(rows * dim), ref),
                                BF16_BOUND));
                if (withDelta) {
                    double[] refSum = new double[x.length];
                    for (int i = 0; i < x.length; i++)
                        refSum[i] = (double) x[i] + Bf16.toFloat(delta[i]);
                    results.add(
                            new Result(
                                    "rmsnorm x+= delta rows " + rows + " dim " + dim + " fp32",
                                    relativeL2(dx.downloadFloats(x.length), refSum),
                                    ADD_BOUND));
                }
            }
        }
    }

    private void rope(List<Result> results) {
        Object[][] cases = { // config, headDim, tokens, heads rotated, heads per row, first head
            {RopeConfig.unscaled(10000), 64, 5, 6, 8, 0},
            {new RopeConfig("linear", 1e6, 4, 0, 0, 0), 128, 4, 3, 5, 1},
            {new RopeConfig("llama3", 500000, 8, 1, 4, 8192), 128, 7, 40, 48, 0},
        };
        for (Object[] c : cases) {
            RopeConfig config = (RopeConfig) c[0];
            int d = (Integer) c[1], tokens = (Integer) c[2], heads = (Integer) c[3];
            int rowStride = (Integer) c[4] * d, offset = (Integer) c[5] * d;
            short[] x = uniformBf16((long) tokens * rowStride, -1, 1);
            int[] positions = new int[tokens];
            for (int t = 0; t < tokens; t++) positions[t] = random.nextInt(131072);
            positions[0] = 0;
            positions[tokens - 1] = 131071;
            double[] ref =
                    ForwardReference.rope(
                            Bf16.toFloats(x),
                            positions,
                            tokens,
                            heads,
                            d,
                            rowStride,
                            offset,
                            config);
            try (RopeKernel kernel = new RopeKernel(cuda, config, d);
                    DeviceBuffer dx = upload(x);
                    DeviceBuffer dp = upload(positions)) {
                kernel.apply(dx, dp, tokens, heads, rowStride, offset);
                cuda.synchronize();
                results.add(
                        new Result(
                                String.format(
                                        "rope %s d %d tokens %d heads %d of %d, positions to 131071",
                                        config.type(), d, tokens, heads, rowStride / d),
                                GpuParityCheck.relativeL2(dx.downloadShorts(x.length), ref),
                                BF16_BOUND));
            }
        }
    }

    private void swiglu(List<Result> results) {
        SwiGluKernel kernel = new SwiGluKernel(cuda);
        for (int[] c : new int[][] {{3, 14336}, {9, 72}}) {
            int rows = c[0], ffn = c[1];
            short[] gateUp = new short[2 * rows * ffn];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < ffn; i++) {
                    gateUp[r * 2 * ffn + i] = Bf16.fromFloat(-6 + 12 * random.nextFloat());
                    gateUp[r * 2 * ffn + ffn + i] = Bf16.fromFloat(-2 + 4 * random.nextFloat());
                }
            }
            double[] ref = ForwardReference.swiglu(Bf16.toFloats(gateUp), rows, ffn);
            try (DeviceBuffer g = upload(gateUp);
                    DeviceBuffer out = cuda.allocate(2L * rows * ffn)) {
                out.poisonBf16();
                kernel.run(g, out, rows, ffn);
                cuda.synchronize();
                results.add(
                        new Result(
                                "swiglu rows " + rows + " ffn " + ffn,
                                GpuParityCheck.relativeL2(out.downloadShorts(rows * ffn), ref),
                                BF16_BOUND));
            }
        }
    }

    private void embedding(List<Result> results) {
        int vocab = 1000, dim = 4096, tokens = 9;
        short[] table = uniformBf16((long) vocab * dim, -1, 1);
        int[] ids = new int[tokens];
        for (int t = 0; t < tokens; t++) ids[t] = random.nextInt(vocab);
        ids[0] = 0;
        ids[1] = vocab - 1;
        ids[tokens - 1] = vocab; // out of range: a NaN row
        float[] ref = new float[tokens * dim];
        for (int t = 0; t < tokens; t++)
            for (int c = 0; c < dim; c++)
                ref[t * dim + c] =
                        ids[t] < vocab ? Bf16.toFloat(table[ids[t] * dim + c]) : Float.NaN;
        try (DeviceBuffer dt = upload(table);
                DeviceBuffer di = upload(ids);
                DeviceBuffer out = cuda.allocate(4L * tokens * dim)) {
            out.fillWordsAsync(0x3f800000); // 1.0f: the NaN row must come from the kernel
            new EmbeddingKernel(cuda).run(di, dt, out, tokens, vocab, dim);
            cuda.synchronize();
            results.add(
                    new Result(
                            "embedding tokens " + tokens + " dim " + dim + " (exact, bad id NaN)",
                            mismatch(out.downloadFloats(tokens * dim), ref),
                            EXACT));
        }
    }

    private void residual(List<Result> results) {
        ResidualAddKernel kernel = new ResidualAddKernel(cuda);
        int n = 3 * 4096;
        float[] h = uniform(n, -4, 4);
        short[] delta = uniformBf16(n, -1, 1);
        float[] deltaF = uniform(n, -1, 1);
        double[] refBf16 = new double[n], refF32 = new double[n];
        for (int i = 0; i < n; i++) {
            refBf16[i] = (double) h[i] + Bf16.toFloat(delta[i]);
            refF32[i] = (double) h[i] + deltaF[i];
        }
        try (DeviceBuffer dh = upload(h);
                DeviceBuffer dd = upload(delta);
                DeviceBuffer df = upload(deltaF)) {
            kernel.addBf16(dh, dd, n);
            cuda.synchronize();
            results.add(
                    new Result(
                            "residual add bf16 into fp32, n " + n,
                            relativeL2(dh.downloadFloats(n), refBf16),
                            ADD_BOUND));
            dh.upload(h);
            kernel.addF32(dh, df, n);
            cuda.synchronize();
            results.add(
                    new Result(
                            "residual add fp32 into fp32, n " + n,
                            relativeL2(dh.downloadFloats(n), refF32),
                            ADD_BOUND));
        }
    }

    private void argmax(List<Result> results) {
        for (int[] c : new int[][] {{4, 128256}, {2, 1000}}) {
            int rows = c[0], vocab = c[1];
            float[] logits = uniform((long) rows * vocab, -10, 10);
            logits[vocab / 3] = 50; // row 0: a tie, the lower index wins
            logits[vocab - 1] = 50;
            if (rows > 2) {
                for (int i = 0; i < vocab; i += 97) logits[vocab + i] = Float.NaN; // row 1: NaN
                logits[2 * vocab - 1] = 60; // ... and the largest value last
                for (int i = 0; i < vocab; i++) logits[2 * vocab + i] = Float.NaN; // row 2: all NaN
            }
            int[] ref = ForwardReference.argmax(logits, rows, vocab);
            try (ArgmaxKernel kernel = new ArgmaxKernel(cuda, rows, vocab);
                    DeviceBuffer dl = upload(logits);
                    DeviceBuffer out = cuda.allocate(4L * rows)) {
                out.upload(new int[rows]);
                kernel.run(dl, out, rows);
                cuda.synchronize();
                results.add(
                        new Result(
                                "argmax rows " + rows + " vocab " + vocab + " (exact; ties, NaN)",
                                mismatch(out.downloadInts(rows), ref),
                                EXACT));
            }
        }
    }

    private void copy(List<Result> results) {
        int n = (1 << 18) + 4;
        float[] src = uniform(n, -1, 1);
        try (DeviceBuffer s = upload(src);
                DeviceBuffer d = cuda.allocate(4L * n)) {
            d.poisonFloat();
            new CopyKernel(cuda).copy(s, d, 4L * n);
            cuda.synchronize();
            results.add(
                    new Result(
                            "copy " + 4L * n + " bytes (exact)",
                            mismatch(d.downloadFloats(n), src),
                            EXACT));
        }
    }
}
