package dev.headroom.pipeline.runner;

import java.lang.reflect.Field;
import java.util.concurrent.ExecutionException;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.runners.flink.FlinkDetachedRunnerResult;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;

/**
 * A submitted pipeline, watched from the driver while it runs: its metrics as the runner reports
 * them so far, then its end. Both runners are run without blocking (the DirectRunner with {@code
 * blockOnRun=false}, Flink detached), so the driver can poll the job's Beam metrics, wherever the
 * bundles run, instead of counting in its own JVM.
 */
final class PipelineJobs {

    /** Beam's Flink translation keeps its metric containers in this accumulator. */
    static final String FLINK_METRICS_ACCUMULATOR = "__metricscontainers";

    private volatile PipelineResult running;
    private volatile MetricResults finished;

    /** The job's metrics so far (null before it is submitted). */
    MetricResults metrics() {
        MetricResults f = finished;
        if (f != null) return f;
        PipelineResult r = running;
        return r == null ? null : r.metrics();
    }

    /**
     * Waits for the job to end, keeping its final metrics. A failed job throws what its runner
     * threw, with the job's own failure as the cause.
     */
    PipelineResult.State await(PipelineResult result) {
        running = result;
        if (result instanceof FlinkDetachedRunnerResult flink) {
            JobExecutionResult done;
            try {
                done = jobClient(flink).getJobExecutionResult().get();
            } catch (ExecutionException e) {
                throw new RuntimeException("Pipeline execution failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException("interrupted while the Flink job runs", e);
            }
            Object containers = done.getAccumulatorResult(FLINK_METRICS_ACCUMULATOR);
            finished =
                    MetricsContainerStepMap.asAttemptedOnlyMetricResults(
                            containers instanceof MetricsContainerStepMap m
                                    ? m
                                    : new MetricsContainerStepMap());
            return PipelineResult.State.DONE;
        }
        PipelineResult.State state = result.waitUntilFinish();
        finished = result.metrics();
        return state;
    }

    /**
     * Cancels a job still running on a Flink cluster (the driver is stopping); the DirectRunner's
     * threads end with the JVM.
     */
    void cancel() {
        PipelineResult r = running;
        if (r instanceof FlinkDetachedRunnerResult flink && finished == null) {
            try {
                jobClient(flink).cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // the job may have ended meanwhile; the cluster's own timeout ends it otherwise
            }
        }
    }

    /**
     * Beam's detached Flink result polls the job's status every few seconds and drops its failure;
     * its Flink {@link JobClient} gives both at once.
     */
    private static JobClient jobClient(FlinkDetachedRunnerResult result) {
        try {
            Field f = FlinkDetachedRunnerResult.class.getDeclaredField("jobClient");
            f.setAccessible(true);
            return (JobClient) f.get(result);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "this Beam version's FlinkDetachedRunnerResult has no jobClient field", e);
        }
    }
}
