package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.Runtimes;
import dev.headroom.eval.harness.CaseOutcome;
import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU machine's evaluation entry point on the slim classpath: generates cases of token tasks
 * (copy, mqar; text tasks need a tokenizer, which the slim classpath does not carry) and runs them
 * through eval's {@link CaseRunner} on the chosen backend, one JSON line per case and a summary
 * line. The same runner the pipeline's evaluate stage uses.
 *
 * <pre>
 * java -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.RunCases --model models/demo --backend oracle \
 *     --tasks copy,mqar --lengths 64,128 --samples 2 --policy uniform:4:16
 * </pre>
 *
 * Policies: {@code dense}, {@code uniform:SINK:WINDOW}, {@code plan:FILE} (a headroom plan.json).
 * {@code --depths 0,0.5,1} gives needle depths; {@code --precision bf16|fp32|auto} the CUDA
 * runtime's precision (auto: fp32 for small models). Each line carries the generated (or
 * teacher-forced argmax) ids as {@code output}. Exit 0, or 2 with one line on bad input (an unbuilt
 * backend included).
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

    static int run(String[] args) throws Exception {
        Map<String, String> opt =
                new LinkedHashMap<>(
                        Map.of(
                                "--backend",
                                "auto",
                                "--tasks",
                                "copy",
                                "--lengths",
                                "64",
                                "--samples",
                                "1",
                                "--policy",
                                "dense",
                                "--seed",
                                "1",
                                "--precision",
                                "auto",
                                "--depths",
                                "0.5"));
        for (int i = 0; i < args.length; i++) {
            if (!opt.containsKey(args[i]) && !args[i].equals("--model"))
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
        ObjectMapper json = new ObjectMapper();
        int cases = 0;
        double score = 0;
        long t0 = System.nanoTime();
        try (LanguageModelRuntime runtime =
                Runtimes.open(model, Backend.parse(opt.get("--backend")))) {
            AttentionPolicy policy = policy(opt.get("--policy"));
            CaseRunner runner = new CaseRunner(runtime, null, true);
            for (String task : opt.get("--tasks").split(",")) {
                if (!TaskFactory.TOKEN_TASKS.contains(task))
                    throw new IllegalArgumentException("task " + task + " is not a token task");
                TaskGenerator generator = TaskFactory.build(TaskSpec.of(task), runtime, true);
                for (String length : opt.get("--lengths").split(","))
                    for (String depth : opt.get("--depths").split(",")) {
                        for (int sample = 0;
                                sample < Integer.parseInt(opt.get("--samples"));
                                sample++) {
                            TaskCase c =
                                    generator.generate(
                                            Integer.parseInt(length),
                                            Double.parseDouble(depth),
                                            sample,
                                            Long.parseLong(opt.get("--seed")));
                            CaseOutcome o = runner.run(c, policy);
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("task", task);
                            row.put("length", Integer.parseInt(length));
                            row.put("depth", Double.parseDouble(depth));
                            row.put("sample", sample);
                            row.put("backend", runtime.backend().label());
                            row.put("policy", policy.name());
                            row.put("score", o.score());
                            row.put("kv_cache_bytes", o.kvCacheBytes());
                            row.put("density", o.density());
                            row.put("prefill_ms", o.prefillNanos() / 1e6);
                            row.put("output", o.outputIds());
                            System.out.println(json.writeValueAsString(row));
                            cases++;
                            score += o.score();
                        }
                    }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "run-cases: %d cases, mean score %.4f, %.1f s%n",
                cases,
                score / Math.max(1, cases),
                (System.nanoTime() - t0) / 1e9);
        return 0;
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
                if (p.length < 2)
                    throw new IllegalArgumentException("--policy plan:FILE, got " + text);
                return new PlanPolicy(AttentionPlan.read(Path.of(p[1])), "plan");
            default:
                throw new IllegalArgumentException(
                        "--policy must be dense, uniform:SINK:WINDOW or plan:FILE, got " + text);
        }
    }
}
