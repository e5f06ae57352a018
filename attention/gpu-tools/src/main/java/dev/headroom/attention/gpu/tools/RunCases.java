package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.policy.QuantizedKvPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.Runtimes;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.harness.CaseOutcome;
import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU machine's evaluation entry point on the slim classpath: generates the cases of a grid (or
 * reads them from a {@link CaseFile}) and runs them through eval's {@link CaseRunner} on the chosen
 * backend under each policy, one JSON line per case and a summary line per policy. The same runner
 * the pipeline's evaluate stage uses.
 *
 * <pre>
 * java -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.RunCases --model models/demo --backend oracle \
 *     --tasks copy,mqar --lengths 64,128 --samples 2 --policy dense,uniform:4:16
 * </pre>
 *
 * Policies (comma-separated): {@code dense}, {@code uniform:SINK:WINDOW}, {@code plan:FILE[:LABEL]}
 * (a headroom plan.json), {@code kivi:BITS[:RESIDUAL]} (KIVI in every head, group 32, residual 128
 * by default) and {@code fp8} (per-layer scale). Text tasks (passkey, niah_*) need the model's
 * tokenizer, which the slim classpath does not carry: {@code --write-cases FILE} generates the
 * cases where it runs (the CPU machine, with the attention module on the classpath) and writes them
 * with their encodings, and {@code --cases FILE} runs them on the GPU machine. {@code --depths
 * 0,0.5,1} gives needle depths; {@code --max-new-tokens} and {@code --add-bos} match an evaluate
 * stage's; {@code --precision bf16|fp32|auto} the CUDA runtime's precision (auto: fp32 for small
 * models). Each line carries the generated (or teacher-forced argmax) ids as {@code output}, the
 * decoded answer as {@code prediction}, and the measured prefill and decode times. Exit 0, or 2
 * with one line on bad input (an unbuilt backend included).
 */
public final class RunCases {
    private RunCases() {}

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (HeadroomException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("error: unexpected " + e);
            System.exit(70);
        }
    }

    private static final List<String> FLAGS =
            List.of(
                    "--model",
                    "--backend",
                    "--tasks",
                    "--lengths",
                    "--samples",
                    "--policy",
                    "--seed",
                    "--precision",
                    "--depths",
                    "--max-new-tokens",
                    "--add-bos",
                    "--write-cases",
                    "--cases");

    static int run(String[] args) throws Exception {
        Map<String, String> opt =
                new LinkedHashMap<>(
                        Map.of(
                                "--backend", "auto",
                                "--tasks", "copy",
                                "--lengths", "64",
                                "--samples", "1",
                                "--policy", "dense",
                                "--seed", "1",
                                "--precision", "auto",
                                "--depths", "0.5",
                                "--max-new-tokens", "0",
                                "--add-bos", "true"));
        for (int i = 0; i < args.length; i++) {
            if (!FLAGS.contains(args[i]))
                throw new IllegalArgumentException("unknown option " + args[i]);
            if (i + 1 >= args.length)
                throw new IllegalArgumentException(args[i] + " needs a value");
            opt.put(args[i], args[++i]);
        }
        if (!opt.containsKey("--model"))
            throw new IllegalArgumentException("--model DIR is required");
        Path model = Path.of(opt.get("--model"));
        if (!opt.get("--precision").equals("auto"))
            System.setProperty("headroom.gpu.precision", opt.get("--precision"));
        boolean addBos = Boolean.parseBoolean(opt.get("--add-bos"));
        ObjectMapper json = new ObjectMapper();
        long t0 = System.nanoTime();
        CaseFile.Read recorded =
                opt.containsKey("--cases") ? CaseFile.read(Path.of(opt.get("--cases"))) : null;
        try (LanguageModelRuntime runtime =
                Runtimes.open(model, Backend.parse(opt.get("--backend")))) {
            TextCodec codec =
                    recorded != null ? recorded.codec() : TextCodec.of(model).orElse(null);
            List<TaskCase> cases =
                    recorded != null ? recorded.cases() : generate(opt, runtime, codec, addBos);
            if (opt.containsKey("--write-cases")) {
                if (codec == null)
                    throw new IllegalArgumentException(model + " has no tokenizer to record");
                CaseFile.write(
                        Path.of(opt.get("--write-cases")),
                        cases,
                        codec,
                        runtime.config().vocabSize(),
                        model.toString());
                System.out.printf(
                        Locale.ROOT,
                        "run-cases: wrote %d cases to %s%n",
                        cases.size(),
                        opt.get("--write-cases"));
                return 0;
            }
            CaseRunner runner = new CaseRunner(runtime, codec, addBos);
            for (String spec : opt.get("--policy").split(",")) {
                AttentionPolicy policy = policy(spec);
                long p0 = System.nanoTime();
                double score = 0, prefill = 0, decode = 0;
                for (TaskCase c : cases) {
                    CaseOutcome o = runner.run(c, policy);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("task", c.task());
                    row.put("length", c.targetLength());
                    row.put("depth", c.depth());
                    row.put("sample", c.sampleIndex());
                    row.put("backend", runtime.backend().label());
                    row.put("policy", policy.name());
                    row.put("score", o.score());
                    row.put("kv_cache_bytes", o.kvCacheBytes());
                    row.put("density", o.density());
                    row.put("prefill_ms", o.prefillNanos() / 1e6);
                    row.put("decode_ms", o.decodeNanos() / 1e6);
                    row.put("output", o.outputIds());
                    if (o.prediction() != null) row.put("prediction", o.prediction());
                    System.out.println(json.writeValueAsString(row));
                    score += o.score();
                    prefill += o.prefillNanos() / 1e9;
                    decode += o.decodeNanos() / 1e9;
                }
                System.out.printf(
                        Locale.ROOT,
                        "run-cases: %s: %d cases on %s, mean score %.4f, prefill %.2f s, decode %.2f"
                                + " s, %.1f s wall%n",
                        policy.name(),
                        cases.size(),
                        runtime.backend().label(),
                        score / Math.max(1, cases.size()),
                        prefill,
                        decode,
                        (System.nanoTime() - p0) / 1e9);
            }
        }
        System.out.printf(Locale.ROOT, "run-cases: done, %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The grid's cases: tasks x lengths x depths x samples, in that order. */
    private static List<TaskCase> generate(
            Map<String, String> opt,
            LanguageModelRuntime runtime,
            TextCodec codec,
            boolean addBos) {
        List<TaskCase> cases = new ArrayList<>();
        for (String task : opt.get("--tasks").split(",")) {
            if (!TaskFactory.knownTasks().contains(task))
                throw new IllegalArgumentException("unknown task " + task);
            if (codec == null && TaskFactory.needsTokenizer(task))
                throw new IllegalArgumentException(
                        "task "
                                + task
                                + " needs a tokenizer, and none runs here: make its cases where"
                                + " one does (--write-cases) and run them with --cases");
            TaskSpec spec =
                    new TaskSpec(
                            task,
                            Integer.parseInt(opt.get("--max-new-tokens")),
                            TaskSpec.DEFAULT_MQAR_PAIRS,
                            null);
            TaskGenerator generator = TaskFactory.build(spec, runtime, addBos);
            for (String length : opt.get("--lengths").split(","))
                for (String depth : opt.get("--depths").split(","))
                    for (int sample = 0; sample < Integer.parseInt(opt.get("--samples")); sample++)
                        cases.add(
                                generator.generate(
                                        Integer.parseInt(length),
                                        Double.parseDouble(depth),
                                        sample,
                                        Long.parseLong(opt.get("--seed"))));
        }
        return cases;
    }

    private static AttentionPolicy policy(String text) {
        String[] p = text.split(":", 2);
        switch (p[0]) {
            case "dense":
                return new DensePolicy();
            case "uniform":
                {
                    String[] sw = p.length > 1 ? p[1].split(":") : new String[0];
                    if (sw.length != 2)
                        throw new IllegalArgumentException(
                                "--policy uniform:SINK:WINDOW, got " + text);
                    return UniformSinkWindowPolicy.tokens(
                            Integer.parseInt(sw[0]), Integer.parseInt(sw[1]));
                }
            case "plan":
                {
                    if (p.length < 2)
                        throw new IllegalArgumentException(
                                "--policy plan:FILE[:LABEL], got " + text);
                    String[] fl = p[1].split(":", 2);
                    return new PlanPolicy(
                            AttentionPlan.read(Path.of(fl[0])), fl.length > 1 ? fl[1] : "plan");
                }
            case "kivi":
                {
                    String[] br = p.length > 1 ? p[1].split(":") : new String[0];
                    if (br.length < 1 || br.length > 2)
                        throw new IllegalArgumentException(
                                "--policy kivi:BITS[:RESIDUAL], got " + text);
                    int bits = Integer.parseInt(br[0]);
                    int residual =
                            br.length > 1 ? Integer.parseInt(br[1]) : KiviFormat.DEFAULT_RESIDUAL;
                    return new QuantizedKvPolicy(
                            new DensePolicy(),
                            new KiviFormat(bits, KiviFormat.DEFAULT_GROUP, residual, 0),
                            "kivi" + bits + (br.length > 1 ? "-r" + residual : ""));
                }
            case "fp8":
                return new QuantizedKvPolicy(
                        new DensePolicy(), new Fp8Format(Fp8Format.Fp8Scaling.PER_TENSOR), "fp8");
            default:
                throw new IllegalArgumentException(
                        "--policy must be dense, uniform:SINK:WINDOW, plan:FILE[:LABEL],"
                                + " kivi:BITS[:RESIDUAL] or fp8, got "
                                + text);
        }
    }
}
