package dev.headroom.attention.gpu.tools;

import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.GpuAvailability;
import dev.headroom.attention.gpu.LinearAttentionKernel;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.oracle.HybridAttentionReference;
import dev.headroom.attention.oracle.ReferenceAttention;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.quantize.Bf16;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The GPU's linear_attention.cu against the core's float64 definition of a linearized head ({@link
 * HybridAttentionReference}): the linear part of the hybrid is the kernel's causal linear attention
 * run on the feature-mapped keys delayed by the window. Feeding the kernel phi(k) and v of position
 * i - window at step i (zero before the sink ends) makes its un-normalized output sum_{sink <= s <=
 * i - window} phi(q_i).phi(k_s) v_s, the hybrid's linear numerator; the same run with v = 1 gives
 * the linear denominator in every channel. With the exact sink + window part added on the host, the
 * composed output must equal the reference's. Prefill, then decode steps continuing from the
 * kernel's state. The feature size 2f must equal the head dim (the kernel's state is [D][D], D = 64
 * or 128), so f = D / 2 here.
 *
 * <p>Run on the GPU machine over the slim classpath: {@code java -cp "$(cat classpath.txt)"
 * dev.headroom.attention.gpu.tools.HybridParityCheck [--seed N]}, or as the {@code hybrid} family
 * of {@link GpuParityCheck}.
 */
public final class HybridParityCheck {
    private static final int SINK = 4, WINDOW = 32, DECODE_STEPS = 3;

    private final CudaContext cuda;
    private final Random random;

    public HybridParityCheck(CudaContext cuda, long seed) {
        this.cuda = cuda;
        this.random = new Random(seed);
    }

    /** One shape: query heads, KV heads, prefill length, head dim. */
    private record Shape(int heads, int kvHeads, int length, int headDim) {
        int group() {
            return heads / kvHeads;
        }

        @Override
        public String toString() {
            return "heads " + heads + "/" + kvHeads + " len " + length + " d " + headDim;
        }
    }

    public List<GpuParityCheck.Result> hybrid() {
        List<GpuParityCheck.Result> results = new ArrayList<>();
        for (Shape s :
                new Shape[] {
                    new Shape(4, 2, 150, 64), new Shape(8, 2, 201, 128), new Shape(2, 2, 40, 64)
                }) results.addAll(check(s));
        return results;
    }

    private List<GpuParityCheck.Result> check(Shape s) {
        int d = s.headDim(), f = d / 2, total = s.length() + DECODE_STEPS, g = s.group();
        HedgehogMaps[] maps = new HedgehogMaps[s.kvHeads()];
        for (int kv = 0; kv < s.kvHeads(); kv++) maps[kv] = randomMaps(g, d, f);
        // bf16 inputs, widened: q [H][T][d], k, v [KV][T][d]
        double[][][] q = bf16Gaussian(s.heads(), total, d), k = bf16Gaussian(s.kvHeads(), total, d);
        double[][][] v = bf16Gaussian(s.kvHeads(), total, d);
        double[][][] phiQ = new double[s.heads()][total][], phiK = new double[s.kvHeads()][total][];
        for (int h = 0; h < s.heads(); h++)
            for (int t = 0; t < total; t++)
                phiQ[h][t] =
                        roundBf16(HedgehogMaps.features(q[h][t], maps[h / g].queryMaps()[h % g]));
        for (int kv = 0; kv < s.kvHeads(); kv++)
            for (int t = 0; t < total; t++)
                phiK[kv][t] = roundBf16(HedgehogMaps.features(k[kv][t], maps[kv].keyMap()));
        // the kernel's inputs: phi(q); phi(k), v and 1 of position i - window at step i
        float[] kq = new float[s.heads() * total * d];
        float[] kk = new float[s.kvHeads() * total * d],
                kv1 = new float[kk.length],
                ones = new float[kk.length];
        for (int h = 0; h < s.heads(); h++)
            for (int t = 0; t < total; t++)
                for (int c = 0; c < d; c++) kq[(h * total + t) * d + c] = (float) phiQ[h][t][c];
        for (int kv = 0; kv < s.kvHeads(); kv++)
            for (int t = 0; t < total; t++) {
                int src = t - WINDOW;
                if (src < SINK) continue;
                for (int c = 0; c < d; c++) {
                    int at = (kv * total + t) * d + c;
                    kk[at] = (float) phiK[kv][src][c];
                    kv1[at] = (float) v[kv][src][c];
                    ones[at] = 1f;
                }
            }
        double[][][] num = new double[s.heads()][total][], den = new double[s.heads()][total][];
        try (LinearAttentionKernel numerator =
                        new LinearAttentionKernel(cuda, s.heads(), s.kvHeads(), d, false);
                LinearAttentionKernel denominator =
                        new LinearAttentionKernel(cuda, s.heads(), s.kvHeads(), d, false)) {
            int len = s.length();
            unpack(
                    numerator.prefill(
                            prefix(kq, s.heads(), total, len, d),
                            prefix(kk, s.kvHeads(), total, len, d),
                            prefix(kv1, s.kvHeads(), total, len, d),
                            len),
                    num,
                    0,
                    len,
                    d);
            unpack(
                    denominator.prefill(
                            prefix(kq, s.heads(), total, len, d),
                            prefix(kk, s.kvHeads(), total, len, d),
                            prefix(ones, s.kvHeads(), total, len, d),
                            len),
                    den,
                    0,
                    len,
                    d);
            for (int t = len; t < total; t++) {
                unpack(
                        numerator.decodeStep(
                                row(kq, s.heads(), total, t, d),
                                row(kk, s.kvHeads(), total, t, d),
                                row(kv1, s.kvHeads(), total, t, d)),
                        num,
                        t,
                        t + 1,
                        d);
                unpack(
                        denominator.decodeStep(
                                row(kq, s.heads(), total, t, d),
                                row(kk, s.kvHeads(), total, t, d),
                                row(ones, s.kvHeads(), total, t, d)),
                        den,
                        t,
                        t + 1,
                        d);
            }
        }
        HeadPattern p = HeadPattern.sinkWindow(SINK, WINDOW);
        List<GpuParityCheck.Result> results = new ArrayList<>();
        for (boolean decode : new boolean[] {false, true}) {
            int from = decode ? s.length() : 0, to = decode ? total : s.length();
            List<Double> gpuNum = new ArrayList<>(), refNum = new ArrayList<>();
            List<Double> gpuOut = new ArrayList<>(), refOut = new ArrayList<>();
            for (int h = 0; h < s.heads(); h++) {
                int kvh = h / g;
                for (int t = from; t < to; t++) {
                    HybridAttentionReference.Parts parts =
                            HybridAttentionReference.parts(
                                    q[h][t],
                                    k[kvh],
                                    v[kvh],
                                    phiQ[h][t],
                                    phiK[kvh],
                                    maps[kvh].gamma()[h % g],
                                    p,
                                    t);
                    double[] ref = parts.output();
                    for (int c = 0; c < d; c++) {
                        gpuNum.add(num[h][t][c]);
                        refNum.add(parts.linearNumerator()[c]);
                        double y =
                                (parts.windowNumerator()[c] + num[h][t][c])
                                        / (parts.windowDenominator() + den[h][t][0]);
                        gpuOut.add(y);
                        refOut.add(ref[c]);
                    }
                }
            }
            String what =
                    (decode ? "decode " + DECODE_STEPS + " steps after " : "prefill ")
                            + s
                            + " sink "
                            + SINK
                            + " window "
                            + WINDOW;
            results.add(
                    new GpuParityCheck.Result(
                            "hybrid linear numerator " + what, relL2(gpuNum, refNum)));
            results.add(new GpuParityCheck.Result("hybrid output " + what, relL2(gpuOut, refOut)));
        }
        return results;
    }

    private HedgehogMaps randomMaps(int group, int d, int f) {
        float[][][] q = new float[group][][];
        for (int i = 0; i < group; i++) q[i] = matrix(d, f);
        float[] gamma = new float[group];
        for (int i = 0; i < group; i++) gamma[i] = 0.5f + random.nextFloat();
        return new HedgehogMaps(SINK, WINDOW, q, matrix(d, f), gamma);
    }

    private float[][] matrix(int rows, int cols) {
        float[][] w = new float[rows][cols];
        for (float[] r : w)
            for (int j = 0; j < cols; j++) r[j] = (float) (0.3 * random.nextGaussian());
        return w;
    }

    private double[][][] bf16Gaussian(int heads, int len, int d) {
        double[][][] x = new double[heads][len][d];
        for (double[][] h : x)
            for (double[] r : h)
                for (int c = 0; c < d; c++)
                    r[c] = Bf16.toFloat(Bf16.fromFloat((float) random.nextGaussian()));
        return x;
    }

    private static double[] roundBf16(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Bf16.toFloat(Bf16.fromFloat((float) x[i]));
        return out;
    }

    /** The first {@code keep} tokens of each head of [heads][len][d], as bf16. */
    private static short[] prefix(float[] x, int heads, int len, int keep, int d) {
        float[] out = new float[heads * keep * d];
        for (int h = 0; h < heads; h++)
            System.arraycopy(x, h * len * d, out, h * keep * d, keep * d);
        return Bf16.fromFloats(out);
    }

    /** Token {@code t} of each head of [heads][len][d], as bf16 [heads][d]. */
    private static short[] row(float[] x, int heads, int len, int t, int d) {
        float[] out = new float[heads * d];
        for (int h = 0; h < heads; h++) System.arraycopy(x, (h * len + t) * d, out, h * d, d);
        return Bf16.fromFloats(out);
    }

    /** Kernel output [heads][to - from][d] into out[h][from .. to). */
    private static void unpack(short[] y, double[][][] out, int from, int to, int d) {
        int n = to - from;
        for (int h = 0; h < out.length; h++)
            for (int t = 0; t < n; t++) {
                double[] r = new double[d];
                for (int c = 0; c < d; c++) r[c] = Bf16.toFloat(y[(h * n + t) * d + c]);
                out[h][from + t] = r;
            }
    }

    private static double relL2(List<Double> got, List<Double> ref) {
        double[] a = got.stream().mapToDouble(Double::doubleValue).toArray();
        double[] b = ref.stream().mapToDouble(Double::doubleValue).toArray();
        return ReferenceAttention.relativeL2(a, b);
    }

    /**
     * Usage: HybridParityCheck [--seed N]. Exit 0 when every check passes, 1 otherwise, 2 without a
     * GPU.
     */
    public static void main(String[] args) {
        long seed = System.nanoTime();
        for (int i = 0; i < args.length; i++)
            if (args[i].equals("--seed")) seed = Long.parseLong(args[++i]);
        GpuAvailability gpu = GpuAvailability.probe();
        if (!gpu.available()) {
            System.out.println("hybrid parity: skipped, " + gpu.description());
            System.exit(2);
        }
        System.out.println(
                "hybrid parity on "
                        + gpu.description()
                        + ", seed "
                        + seed
                        + ", bound "
                        + GpuParityCheck.BOUND);
        int failed = 0;
        try (CudaContext cuda = new CudaContext()) {
            for (GpuParityCheck.Result r : new HybridParityCheck(cuda, seed).hybrid()) {
                System.out.println(r);
                if (!r.passed()) failed++;
            }
        }
        System.out.println(
                failed == 0 ? "hybrid parity: all passed" : "hybrid parity: " + failed + " FAILED");
        System.exit(failed == 0 ? 0 : 1);
    }
}
