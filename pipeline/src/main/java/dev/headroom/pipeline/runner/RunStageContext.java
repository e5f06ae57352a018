package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.api.CalibrationSettings;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.config.ResolvedConfig;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.config.RunnerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** The engine's {@link StageContext}: one stage of one run, over the resolved config. */
public final class RunStageContext implements StageContext {

    private final ResolvedConfig config;
    private final int stageIndex;
    private final String stageName;
    private final PrintStream out;
    private final PrintStream err;

    public RunStageContext(
            ResolvedConfig config,
            int stageIndex,
            String stageName,
            PrintStream out,
            PrintStream err) {
        this.config = config;
        this.stageIndex = stageIndex;
        this.stageName = stageName;
        this.out = out;
        this.err = err;
    }

    public ResolvedConfig config() {
        return config;
    }

    @Override
    public CalibrationSettings calibration() {
        return config.calibration();
    }

    @Override
    public ModelFacts model() {
        return config.model();
    }

    @Override
    public Path runDirectory() {
        return config.runDirectory();
    }

    /** {@code <run>/artifacts}: plans, configs, provenance. */
    @Override
    public Path artifacts() {
        return config.runDirectory().resolve("artifacts");
    }

    /** {@code <run>/reports}: the Parquet tables. */
    @Override
    public Path reports() {
        return config.runDirectory().resolve("reports");
    }

    /** {@code <run>/.beam-temp}: scratch space for writers, removed when a pipeline ends. */
    @Override
    public Path tempDirectory() {
        return config.runDirectory().resolve(".beam-temp");
    }

    @Override
    public int parallelism() {
        return config.runner().parallelismOrDefault();
    }

    @Override
    public PrintStream out() {
        return out;
    }

    @Override
    public PrintStream err() {
        return err;
    }

    /** A new pipeline for the configured runner, its job named after the run and this stage. */
    @Override
    public Pipeline newPipeline() {
        String job =
                "headroom-" + stageIndex + "-" + stageName + "-" + config.hash().substring(0, 8);
        HeadroomPipelineOptions options =
                BeamRunners.options(config.runner(), job).as(HeadroomPipelineOptions.class);
        options.setRunDirectory(config.runDirectory().toString());
        options.setConfigHash(config.hash());
        options.setStageName(stageName);
        return Pipeline.create(options);
    }

    /** Key under which this stage's DoFns report finished work for the progress line. */
    @Override
    public String progressKey() {
        return config.hash() + "/" + stageIndex;
    }

    /**
     * Runs a pipeline to completion, printing progress on stderr ({@code total} units of work
     * counted through {@link #progressKey()}). A user-facing error inside (a failing case) is
     * rethrown as such.
     */
    @Override
    public void run(Pipeline pipeline, long total, String unit) {
        PipelineJobs job = new PipelineJobs();
        String key = progressKey();
        RunProgress.listen(key);
        try (ProgressPrinter progress =
                        new ProgressPrinter(
                                stageName,
                                key,
                                total,
                                unit,
                                err,
                                () -> {
                                    var m = job.metrics();
                                    return m != null
                                            ? RunProgress.done(m, key)
                                            : RunProgress.doneInThisJvm(key);
                                });
                CancelOnStop cancel = new CancelOnStop(job)) {
            PipelineResult.State state = job.await(pipeline.run());
            if (state != PipelineResult.State.DONE) {
                throw new HeadroomException(stageName + ": the pipeline ended in state " + state);
            }
            String metrics = metricsLine(job.metrics());
            if (!metrics.isEmpty()) {
                err.println(stageName + " metrics: " + metrics);
            }
        } catch (RuntimeException e) {
            HeadroomException user = PipelineFailures.userError(e);
            if (user != null) throw user;
            String master = config.runner().flinkMasterOrDefault();
            if (config.runner().nameOrDefault() == RunnerKind.FLINK
                    && !master.equals(RunnerSettings.LOCAL_FLINK))
                throw PipelineFailures.flinkJobFailure(stageName, master, e);
            throw e;
        } finally {
            RunProgress.stopListening(key);
            deleteRecursively(tempDirectory());
        }
    }

    /**
     * A job on a Flink cluster outlives the driver; a SIGINT or SIGTERM while it runs cancels it.
     */
    private static final class CancelOnStop implements AutoCloseable {
        private final Thread hook;

        CancelOnStop(PipelineJobs job) {
            hook = new Thread(job::cancel, "headroom-cancel-job");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it cancels the job
            }
        }
    }

    /**
     * The pipeline's Beam counters and distributions (summed over steps), e.g. "cases_run=180,
     * kv_cache_bytes mean=..."
     */
    static String metricsLine(MetricResults results) {
        if (results == null) return "";
        try {
            MetricQueryResults q = results.queryMetrics(MetricsFilter.builder().build());
            java.util.Map<String, Long> counters = new java.util.TreeMap<>();
            for (MetricResult<Long> c : q.getCounters()) {
                if (c.getName().getNamespace().equals(RunProgress.NAMESPACE)) continue;
                counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
            }
            java.util.Map<String, DistributionResult> distributions = new java.util.TreeMap<>();
            for (MetricResult<DistributionResult> d : q.getDistributions()) {
                distributions.merge(
                        d.getName().getName(),
                        d.getAttempted(),
                        (a, b) ->
                                DistributionResult.create(
                                        a.getSum() + b.getSum(),
                                        a.getCount() + b.getCount(),
                                        Math.min(a.getMin(), b.getMin()),
                                        Math.max(a.getMax(), b.getMax())));
            }
            java.util.List<String> parts = new java.util.ArrayList<>();
            counters.forEach((name, value) -> parts.add(name + "=" + value));
            distributions.forEach(
                    (name, d) ->
                            parts.add(
                                    String.format(
                                            java.util.Locale.ROOT,
                                            "%s mean=%.0f max=%d",
                                            name,
                                            d.getCount() == 0
                                                    ? 0.0
                                                    : (double) d.getSum() / d.getCount(),
                                            d.getMax())));
            return String.join(", ", parts);
        } catch (RuntimeException e) {
            return ""; // a runner without metrics support
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Leftover scratch files are harmless; the next run reuses or removes them.
        }
    }
}
