package dev.headroom.stages.evaluate;

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
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Generates one grid element's case and runs it. The model comes from the per-JVM {@link ModelCache}
 * in {@code @Setup}; only its directory is serialized with the DoFn. A case that throws fails the
 * bundle (and so the run) with a {@link CaseFailedException} naming its coordinates.
 */
final class RunCaseFn extends DoFn<EvalCase, CaseResult> {

    private final Counter casesRun = Metrics.counter(EvaluateCases.class, "cases_run");
    private final Counter casesCorrect = Metrics.counter(EvaluateCases.class, "cases_correct");
    private final Distribution promptTokens = Metrics.distribution(EvaluateCases.class, "prompt_tokens");
    private final Distribution kvCacheBytes = Metrics.distribution(EvaluateCases.class, "kv_cache_bytes");
    private final Distribution prefillMicros = Metrics.distribution(EvaluateCases.class, "prefill_micros");
    private final Distribution decodeMicros = Metrics.distribution(EvaluateCases.class, "decode_micros");

    private final String modelDir;
    private final boolean addBos;
    private final String progressKey;

    private transient LanguageModelRuntime model;
    private transient CaseRunner runner;
    private transient Map<TaskSpec, TaskGenerator> generators;

    RunCaseFn(String modelDir, boolean addBos, String progressKey) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.progressKey = progressKey;
    }

    @Setup
    public void setup() {
        model = ModelCache.get(Path.of(modelDir));
        runner = new CaseRunner(model, addBos);
        generators = new HashMap<>();
    }

    @ProcessElement
    public void processElement(@Element EvalCase element, OutputReceiver<CaseResult> out) {
        CaseResult result;
        try {
            TaskGenerator generator = generators.computeIfAbsent(element.task(),
                    spec -> TaskFactory.build(spec, model, addBos));
            TaskCase taskCase = generator.generate(element.length(), element.depth(), element.sample(), element.seed());
            CaseOutcome o = runner.run(taskCase, element.method().policy());
            result = new CaseResult(element.method().label(), element.method().policy().name(), taskCase.task(),
                    taskCase.scoringRule(), element.length(), element.depth(), element.sample(), element.seed(),
                    o.promptTokens(), o.newTokens(), o.score(), o.correct(), o.prediction(), o.kvCacheBytes(),
                    o.density(), o.prefillNanos() / 1e6, o.decodeNanos() / 1e6, o.klDivergence(), o.perplexity());
        } catch (RuntimeException e) {
            throw new CaseFailedException(element.coordinates(), e);
        }
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
}
