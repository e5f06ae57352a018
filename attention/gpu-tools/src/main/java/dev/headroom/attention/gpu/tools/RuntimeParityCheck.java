package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.gpu.CudaModel;
import dev.headroom.attention.gpu.CudaPrecision;
import dev.headroom.attention.gpu.GpuAvailability;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.oracle.NaiveTransformer;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.GreedyGenerator;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Parity of the CUDA runtime ({@link CudaModel}) on the GPU machine, in fp32 and bf16:
 *
 * <ul>
 *   <li>golden: greedy tokens of stories260K from BOS equal its golden_greedy.json;
 *   <li>fixtures: for each transformers fixture, the argmax at every position equals transformers'
 *       (expected.json) and the float64 oracle's (which the CPU runtime equals, HfParityTest and
 *       BackendPolicyMatrixTest), and the last logits are within relative L2 1e-4 (fp32) / 1e-2
 *       (bf16) of both; the same after a half prefill and one decode step per remaining token;
 *   <li>policies: dense, uniform sink + window and a plan mixing full and windowed KV heads,
 *       against the oracle under the same policy (every position's logits; then prefill half and
 *       decode the rest), with equal cache bytes, held tokens per head and density; prompts of 300
 *       tokens go through two chunks and overwrite ring slots within a chunk.
 * </ul>
 *
 * <pre>java -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.RuntimeParityCheck \
 *     --stories .gpu/models/stories260K --fixtures .gpu/hf-fixtures [--precision fp32,bf16]</pre>
 *
 * In bf16 every check is reported at the issue's bounds (1e-2, golden equality), which bf16
 * rounding of the weights alone exceeds on some fixtures (scripts/gpu/bf16_rounding.py), and again
 * against {@link Bf16Reference} (float64 with bf16 rounding where the kernels round): every
 * position within 1e-3, each within 1e-2, the same argmax, the same greedy tokens. Prints one line
 * per check and "parity: runtime GROUP P/N pass" per group; exit 0 when the fp32 and the
 * bf16-reference groups pass, 1 otherwise, 3 when no GPU answers.
 */
public final class RuntimeParityCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Checks counted by group: fp32, bf16 at the issue's bounds, bf16 against the rounding
     * reference.
     */
    private final Map<String, int[]> counts = new java.util.LinkedHashMap<>();

    private String group = "fp32";
    static final String BF16_ISSUE = "bf16 at the issue's bounds",
            BF16_REF = "bf16 against the bf16-rounding reference";

    /** GPU bf16 against {@link Bf16Reference}: the kernels' own error, far under bf16 rounding. */
    static final double BF16_REF_BOUND = 1e-3;

    public static void main(String[] args) throws Exception {
        GpuAvailability gpu = GpuAvailability.probe();
        if (!gpu.available()) {
            System.out.println("runtime parity: skipped, " + gpu.description());
            System.exit(3);
        }
        System.out.println("runtime parity on " + gpu.description());
        Path stories = null, fixtures = null;
        String precisions = "fp32,bf16";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--stories" -> stories = Path.of(args[i + 1]);
                case "--fixtures" -> fixtures = Path.of(args[i + 1]);
                case "--precision" -> precisions = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        RuntimeParityCheck check = new RuntimeParityCheck();
        for (String p : precisions.split(",")) {
            CudaPrecision precision = CudaPrecision.parse(p);
            check.group = precision == CudaPrecision.FP32 ? "fp32" : BF16_ISSUE;
            if (stories != null) check.golden(stories, precision);
            if (fixtures != null) {
                File[] dirs = fixtures.toFile().listFiles(File::isDirectory);
                java.util.Arrays.sort(dirs);
                for (File d : dirs) check.fixture(d.toPath(), precision);
            }
            List<Path> policyModels = new ArrayList<>();
            if (stories != null) policyModels.add(stories);
            if (fixtures != null)
                for (String f :
                        new String[] {"llama_f32_tied", "mistral_f32_window", "qwen2_f32_tied"})
                    if (Files.isDirectory(fixtures.resolve(f)))
                        policyModels.add(fixtures.resolve(f));
            for (Path m : policyModels) check.policies(m, precision);
        }
        boolean ok = true;
        for (Map.Entry<String, int[]> e : check.counts.entrySet()) {
            System.out.printf(
                    Locale.ROOT,
                    "parity: runtime %s %d/%d pass%n",
                    e.getKey(),
                    e.getValue()[0],
                    e.getValue()[1]);
            if (!e.getKey().equals(BF16_ISSUE)) ok &= e.getValue()[0] == e.getValue()[1];
        }
        System.exit(ok ? 0 : 1); // the issue's bf16 bounds are reported, not required (README)
    }

    private static double bound(CudaPrecision p) {
        return p == CudaPrecision.FP32 ? 1e-4 : 1e-2;
    }

    private void report(boolean ok, String what, String detail) {
        int[] n = counts.computeIfAbsent(group, k -> new int[2]);
        n[1]++;
        if (ok) n[0]++;
        System.out.println(
                "runtime parity: "
                        + (ok ? "ok   " : "FAIL ")
                        + "["
                        + group
                        + "] "
                        + what
                        + ": "
                        + detail);
    }

    private void golden(Path dir, CudaPrecision precision) throws Exception {
        JsonNode golden = JSON.readTree(dir.resolve("golden_greedy.json").toFile());
        int[] prompt = ints(golden.get("prompt_ids"));
        int[] want = ints(golden.get("greedy_tokens"));
        try (CudaModel gpu = CudaModel.load(dir, precision)) {
            long t0 = System.nanoTime();
            int[] got =
                    new GreedyGenerator(gpu)
                            .generate(prompt, want.length, new DensePolicy(), false)
                            .tokens();
            int first = firstDifference(want, got);
            report(
                    first < 0,
                    "golden " + dir.getFileName() + " " + precision.label(),
                    (first < 0
                                    ? want.length + " greedy tokens equal golden_greedy.json"
                                    : "first difference at token " + first)
                            + String.format(
                                    Locale.ROOT, " (%.1f ms)", (System.nanoTime() - t0) / 1e6));
            if (precision == CudaPrecision.BF16) {
                int[] ref = new Bf16Reference(dir).greedy(prompt, want.length, new DensePolicy());
                int d = firstDifference(ref, got);
                inGroup(
                        BF16_REF,
                        () ->
                                report(
                                        d < 0,
                                        "golden " + dir.getFileName() + " bf16",
                                        (d < 0
                                                        ? want.length
                                                                + " greedy tokens equal the bf16"
                                                                + " reference's"
                                                        : "first difference at token " + d)
                                                + "; the reference itself first differs from"
                                                + " golden_greedy.json at token "
                                                + firstDifference(want, ref)));
            }
        }
    }

    private void inGroup(String g, Runnable checks) {
        String before = group;
        group = g;
        try {
            checks.run();
        } finally {
            group = before;
        }
    }

    /** GPU bf16 logits [T][V] against the bf16-rounding reference's, every position. */
    private void againstBf16Reference(String what, float[][] got, double[][] ref) {
        double worst = 0;
        int agree = 0;
        for (int t = 0; t < got.length; t++) {
            worst = Math.max(worst, relL2(got[t], ref[t]));
            if (argmax(got[t]) == argmax(ref[t])) agree++;
        }
        double all = relL2(flat(got), flat(ref));
        boolean ok = all <= BF16_REF_BOUND && worst <= 10 * BF16_REF_BOUND && agree == got.length;
        int n = got.length;
        double w = worst;
        int a = agree;
        inGroup(
                BF16_REF,
                () ->
                        report(
                                ok,
                                what,
                                String.format(
                                        Locale.ROOT,
                                        "every position rel L2 %.2e (bound %.0e), worst position"
                                                + " %.2e, argmax %d/%d",
                                        all,
                                        BF16_REF_BOUND,
                                        w,
                                        a,
                                        n)));
    }

    private static double[] flat(double[][] rows) {
        int n = 0;
        for (double[] r : rows) n += r.length;
        double[] out = new double[n];
        int at = 0;
        for (double[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    private void fixture(Path dir, CudaPrecision precision) throws Exception {
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        int[] ids = ints(expected.get("input_ids"));
        int[] hfArgmax = ints(expected.get("argmax"));
        float[] hfLast = floats(expected.get("last_logits"));
        String what = "fixture " + dir.getFileName() + " " + precision.label();
        double[][] oracle;
        try (NaiveTransformer o = NaiveTransformer.load(dir)) {
            oracle = o.logits(ids);
        }
        try (CudaModel gpu = CudaModel.load(dir, precision)) {
            float[][] got;
            try (RuntimeSequence s = gpu.open(new DensePolicy(), ids.length)) {
                got = s.prefillAll(ids);
            }
            if (precision == CudaPrecision.BF16)
                againstBf16Reference(
                        what, got, new Bf16Reference(dir).logits(ids, new DensePolicy()));
            int vsHf = 0, vsOracle = 0;
            for (int t = 0; t < ids.length; t++) {
                int a = argmax(got[t]);
                if (a == hfArgmax[t]) vsHf++;
                if (a == argmax(oracle[t])) vsOracle++;
            }
            double errHf = relL2(got[ids.length - 1], toDoubles(hfLast));
            double errOracle = relL2(got[ids.length - 1], oracle[ids.length - 1]);
            report(
                    vsHf == ids.length
                            && vsOracle == ids.length
                            && errHf <= bound(precision)
                            && errOracle <= bound(precision),
                    what,
                    String.format(
                            Locale.ROOT,
                            "argmax %d/%d = transformers, %d/%d = oracle; last logits rel L2 %.2e"
                                    + " (transformers), %.2e (oracle), bound %.0e",
                            vsHf,
                            ids.length,
                            vsOracle,
                            ids.length,
                            errHf,
                            errOracle,
                            bound(precision)));
            // the decode path: half a prefill, then one token at a time
            float[] last = null;
            try (RuntimeSequence s = gpu.open(new DensePolicy(), ids.length)) {
                int half = ids.length / 2;
                last = s.prefill(java.util.Arrays.copyOf(ids, half));
                for (int t = half; t < ids.length; t++) last = s.decode(ids[t]);
            }
            double err = relL2(last, oracle[ids.length - 1]);
            report(
                    err <= bound(precision) && argmax(last) == argmax(oracle[ids.length - 1]),
                    what + " decode",
                    String.format(Locale.ROOT, "last logits rel L2 %.2e (oracle)", err));
        }
    }

    /** dense, uniform and a mixed plan against the oracle, at 24 and 300 tokens where they fit. */
    private void policies(Path dir, CudaPrecision precision) throws Exception {
        try (NaiveTransformer oracle = NaiveTransformer.load(dir);
                CudaModel gpu = CudaModel.load(dir, precision)) {
            ModelConfig c = gpu.config();
            int[] lengths = c.maxPositions() >= 300 ? new int[] {24, 300} : new int[] {24};
            for (int n : lengths) {
                int[] ids = ids(c, n);
                for (String name : new String[] {"dense", "uniform", "mixed"}) {
                    AttentionPolicy policy = policy(name, c, n);
                    comparePolicy(dir, precision, oracle, gpu, policy, ids);
                }
            }
        }
    }

    private void comparePolicy(
            Path dir,
            CudaPrecision precision,
            NaiveTransformer oracle,
            CudaModel gpu,
            AttentionPolicy policy,
            int[] ids)
            throws Exception {
        ModelConfig c = gpu.config();
        int n = ids.length;
        String what =
                "policy "
                        + dir.getFileName()
                        + " "
                        + policy.name()
                        + " n="
                        + n
                        + " "
                        + precision.label();
        float[][] want, got;
        String caches;
        try (RuntimeSequence o = oracle.open(policy, n);
                RuntimeSequence g = gpu.open(policy, n)) {
            want = o.prefillAll(ids);
            long t0 = System.nanoTime();
            got = g.prefillAll(ids);
            long ns = System.nanoTime() - t0;
            caches = sameCaches(c, o, g);
            caches += String.format(Locale.ROOT, ", prefill %.1f ms", ns / 1e6);
        }
        double[][] ref =
                precision == CudaPrecision.BF16 ? new Bf16Reference(dir).logits(ids, policy) : null;
        if (ref != null) againstBf16Reference(what, got, ref);
        double err = relL2(flat(got), flat(want));
        int agree = 0;
        for (int t = 0; t < n; t++) if (argmax(got[t]) == argmax(want[t])) agree++;
        boolean argmaxOk = precision == CudaPrecision.BF16 || agree == n;
        report(
                err <= bound(precision) && argmaxOk && caches.startsWith("caches equal"),
                what,
                String.format(
                        Locale.ROOT,
                        "every position rel L2 %.2e, argmax %d/%d; %s",
                        err,
                        agree,
                        n,
                        caches));
        // prefill half, decode the rest one token at a time
        double worst = 0, worstRef = 0;
        String decodeCaches;
        try (RuntimeSequence o = oracle.open(policy, n);
                RuntimeSequence g = gpu.open(policy, n)) {
            int half = n / 2;
            int[] head = java.util.Arrays.copyOf(ids, half);
            worst = Math.max(worst, relL2(g.prefill(head), toDoubles(o.prefill(head))));
            for (int t = half; t < n; t++) {
                float[] step = g.decode(ids[t]);
                worst = Math.max(worst, relL2(step, toDoubles(o.decode(ids[t]))));
                if (ref != null) worstRef = Math.max(worstRef, relL2(step, ref[t]));
            }
            decodeCaches = sameCaches(c, o, g);
        }
        if (ref != null) {
            double wr = worstRef;
            inGroup(
                    BF16_REF,
                    () ->
                            report(
                                    wr <= 10 * BF16_REF_BOUND,
                                    what + " decode",
                                    String.format(
                                            Locale.ROOT,
                                            "worst step rel L2 %.2e (bound %.0e)",
                                            wr,
                                            10 * BF16_REF_BOUND)));
        }
        report(
                worst <= bound(precision) && decodeCaches.startsWith("caches equal"),
                what + " decode",
                String.format(Locale.ROOT, "worst step rel L2 %.2e; %s", worst, decodeCaches));
    }

    /** Cache bytes, held tokens of every (layer, KV head), and density equal the oracle's. */
    private static String sameCaches(ModelConfig c, RuntimeSequence o, RuntimeSequence g) {
        if (o.cacheBytes() != g.cacheBytes())
            return "cache bytes " + g.cacheBytes() + ", oracle " + o.cacheBytes();
        if (Math.abs(o.density() - g.density()) > 1e-12)
            return "density " + g.density() + ", oracle " + o.density();
        for (int l = 0; l < c.numLayers(); l++)
            for (int h = 0; h < c.numKvHeads(); h++)
                if (o.heldTokens(l, h) != g.heldTokens(l, h))
                    return "layer " + l + " head " + h + " holds " + g.heldTokens(l, h);
        return String.format(
                Locale.ROOT, "caches equal (%d bytes, density %.4f)", g.cacheBytes(), g.density());
    }

    /** As BackendPolicyMatrixTest: head 0 of each layer full, head 1 windowed, the rest random. */
    static AttentionPolicy policy(String name, ModelConfig c, int length) {
        switch (name) {
            case "dense":
                return new DensePolicy();
            case "uniform":
                return length > 100
                        ? UniformSinkWindowPolicy.tokens(4, 40)
                        : UniformSinkWindowPolicy.tokens(2, 5);
            default:
                Random r = new Random(c.numLayers() * 31L + c.numKvHeads());
                List<HeadSpan> heads = new ArrayList<>();
                for (int l = 0; l < c.numLayers(); l++) {
                    for (int h = 0; h < c.numKvHeads(); h++) {
                        boolean full = h == 0 || (h > 1 && r.nextBoolean());
                        heads.add(
                                full
                                        ? new HeadSpan(l, h, "full", 0, 0, 1)
                                        : new HeadSpan(
                                                l,
                                                h,
                                                "window",
                                                r.nextInt(4),
                                                2 + r.nextInt(8),
                                                0.1 * r.nextDouble()));
                    }
                }
                return new PlanPolicy(
                        new AttentionPlan(
                                "parity", "", 0.5, List.of(length), heads, Map.of(), Map.of()),
                        "mixed");
        }
    }

    private static int[] ids(ModelConfig c, int n) {
        int[] ids = new int[n];
        Random r = new Random(7);
        for (int i = 0; i < n; i++) ids[i] = 3 + r.nextInt(Math.min(c.vocabSize(), 500) - 3);
        return ids;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    static int argmax(double[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /** ||got - want|| / ||want||; NaN anywhere gives infinity. */
    static double relL2(float[] got, double[] want) {
        if (got.length != want.length) return Double.POSITIVE_INFINITY;
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            if (Float.isNaN(got[i])) return Double.POSITIVE_INFINITY;
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

    private static double relL2(float[] got, float[] want) {
        return relL2(got, toDoubles(want));
    }

    private static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static float[] flat(float[][] rows) {
        int n = 0;
        for (float[] r : rows) n += r.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    private static int firstDifference(int[] a, int[] b) {
        for (int i = 0; i < Math.max(a.length, b.length); i++)
            if (i >= a.length || i >= b.length || a[i] != b[i]) return i;
        return -1;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
        return out;
    }
}
