package dev.headroom.stages.evaluate;

import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.CaseOutcome;
import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.harness.ModelCache;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.RunProgress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Generates one grid element's case and runs it. The model comes from the per-JVM {@link
 * ModelCache} in {@code @Setup}; only its directory is serialized with the DoFn. A case that throws
 * fails the bundle (and so the run) with a {@link CaseFailedException} naming its coordinates.
 */
final class RunCaseFn extends DoFn<EvalCase, CaseResult> {

    private final Counter casesRun = Metrics.counter(EvaluateCases.class, "cases_run");
    private final Counter casesCorrect = Metrics.counter(EvaluateCases.class, "cases_correct");
    private final Distribution promptTokens =
            Metrics.distribution(EvaluateCases.class, "prompt_tokens");
    private final Distribution kvCacheBytes =
            Metrics.distribution(EvaluateCases.class, "kv_cache_bytes");
    private final Distribution prefillMicros =
            Metrics.distribution(EvaluateCases.class, "prefill_micros");
    private final Distribution decodeMicros =
            Metrics.distribution(EvaluateCases.class, "decode_micros");

    private final String modelDir;
    private final boolean addBos;
    private final String progressKey;
    private final String runDirectory; // null: the policies load no artifacts
    private Backend backend = Backend.AUTO;
    private String journal; // null: finished cases are not kept for a resume

    private transient LanguageModelRuntime model;
    private transient CaseRunner runner;
    private transient Map<TaskSpec, TaskGenerator> generators;

    RunCaseFn(String modelDir, boolean addBos, String progressKey, String runDirectory) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.progressKey = progressKey;
        this.runDirectory = runDirectory;
    }

    /** The same, running on {@code backend}. */
    RunCaseFn on(Backend backend) {
        this.backend = backend;
        return this;
    }

    /** The same, keeping each finished case in the {@link CaseJournal} at {@code journal}. */
    RunCaseFn keepingCasesIn(String journal) {
        this.journal = journal;
        return this;
    }

    @Setup
    public void setup() {
        model = ModelCache.get(Path.of(modelDir), backend);
        runner = new CaseRunner(model, addBos);
        if (runDirectory != null)
            runner = runner.withArtifacts(ArtifactResolver.under(Path.of(runDirectory)));
        generators = new HashMap<>();
    }

    @ProcessElement
    public void processElement(@Element EvalCase element, OutputReceiver<CaseResult> out) {
        TaskGenerator generator;
        try {
            generator =
                    generators.computeIfAbsent(
                            element.task(), spec -> TaskFactory.build(spec, model, addBos));
        } catch (RuntimeException e) {
            throw new CaseFailedException(element.coordinates(), e);
        }
        CaseResult result = run(element, generator, runner);
        if (journal != null) new CaseJournal(Path.of(journal)).write(element, result);
        casesRun.inc();
        if (result.correct()) {
            casesCorrect.inc();
        }
        promptTokens.update(result.promptTokens());
        kvCacheBytes.update(result.kvCacheBytes());
        prefillMicros.update(Math.round(result.prefillMillis() * 1000));
        decodeMicros.update(Math.round(result.decodeMillis() * 1000));
        out.output(result);
        RunProgress.workDone(progressKey);
    }

    /**
     * One grid element: its case generated from its coordinates and run under its method's policy.
     * Throws a {@link CaseFailedException} naming the coordinates.
     */
    static CaseResult run(EvalCase element, TaskGenerator generator, CaseRunner runner) {
        try {
            TaskCase taskCase =
                    generator.generate(
                            element.length(), element.depth(), element.sample(), element.seed());
            CaseOutcome o = runner.run(taskCase, element.method().policy());
            return CaseResult.builder()
                    .method(element.method().label())
                    .policy(policyName(element.method().policy()))
                    .task(taskCase.task())
                    .scoringRule(taskCase.scoringRule())
                    .length(element.length())
                    .depth(element.depth())
                    .sample(element.sample())
                    .seed(element.seed())
                    .promptTokens(o.promptTokens())
                    .newTokens(o.newTokens())
                    .score(o.score())
                    .correct(o.correct())
                    .prediction(o.prediction())
                    .kvCacheBytes(o.kvCacheBytes())
                    .density(o.density())
                    .prefillMillis(o.prefillNanos() / 1e6)
                    .decodeMillis(o.decodeNanos() / 1e6)
                    .klDivergence(o.klDivergence())
                    .perplexity(o.perplexity())
                    .build();
        } catch (RuntimeException e) {
            throw new CaseFailedException(element.coordinates(), e);
        }
    }

    /**
     * The {@code policy} column: the policy's own name, and for a plan a compact summary of its
     * spans, heads grouped by span in layer-major order of first appearance: {@code plan(hybrid: 1x
     * window(sink=4,window=32), 3x window(sink=4,window=16), 2x full)}; an elastic window reads
     * {@code window=64+0.25N}.
     */
    static String policyName(AttentionPolicy policy) {
        if (!(policy instanceof PlanPolicy plan)) {
            return policy.name();
        }
        Map<String, Integer> groups = new LinkedHashMap<>();
        for (HeadSpan h : plan.plan().heads()) {
            String span =
                    h.isFull()
                            ? h.kind()
                            : h.kind()
                                    + "(sink="
                                    + h.sink()
                                    + ",window="
                                    + number(h.alpha())
                                    + (h.beta() == 0 ? "" : "+" + number(h.beta()) + "N")
                                    + ")";
            groups.merge(span, 1, Integer::sum);
        }
        StringBuilder b =
                new StringBuilder(policy.name())
                        .append('(')
                        .append(plan.plan().method())
                        .append(": ");
        String sep = "";
        for (Map.Entry<String, Integer> g : groups.entrySet()) {
            b.append(sep).append(g.getValue()).append("x ").append(g.getKey());
            sep = ", ";
        }
        return b.append(')').toString();
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }
}
