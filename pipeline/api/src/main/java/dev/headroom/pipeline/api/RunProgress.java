package dev.headroom.pipeline.api;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Units of a stage's work finished so far, counted as a Beam counter in the {@value #NAMESPACE}
 * namespace named after the stage's progress key. DoFns call {@link #workDone}; the driver polls
 * {@link #done} from the running job's metrics, so the count is right whichever process ran the
 * bundle: the DirectRunner's threads, an embedded Flink mini-cluster, or the TaskManagers of a
 * session cluster (whose accumulators reach the JobManager with their heartbeats). Committed values
 * are read where the runner keeps them (a retried bundle counts once); Flink keeps attempted values
 * only, which restart with a restarted task.
 */
public final class RunProgress {

    /** The counters' namespace. */
    public static final String NAMESPACE = "headroom.progress";

    private static final ConcurrentHashMap<String, AtomicLong> IN_THIS_JVM =
            new ConcurrentHashMap<>();

    private RunProgress() {}

    /** One unit done for {@code key} (no-op for null: a DoFn run outside a counted stage). */
    public static void workDone(String key) {
        if (key != null) {
            Metrics.counter(NAMESPACE, key).inc();
            AtomicLong local = IN_THIS_JVM.get(key);
            if (local != null) local.incrementAndGet();
        }
    }

    /** Starts keeping the in-JVM count of {@code key} (from 0). */
    public static void listen(String key) {
        IN_THIS_JVM.put(key, new AtomicLong());
    }

    public static void stopListening(String key) {
        IN_THIS_JVM.remove(key);
    }

    /**
     * The units DoFns in this JVM reported for {@code key} since {@link #listen}: an estimate for a
     * job that runs here and cannot be polled (retried bundles count twice).
     */
    public static long doneInThisJvm(String key) {
        AtomicLong c = IN_THIS_JVM.get(key);
        return c == null ? 0 : c.get();
    }

    /**
     * The units done for {@code key} in a job's {@code metrics} so far, summed over its steps; 0
     * when the runner cannot say yet (no metrics, none reported, or the query failed).
     */
    public static long done(MetricResults metrics, String key) {
        if (metrics == null || key == null) return 0;
        try {
            MetricQueryResults q =
                    metrics.queryMetrics(
                            MetricsFilter.builder()
                                    .addNameFilter(
                                            org.apache.beam.sdk.metrics.MetricNameFilter.named(
                                                    NAMESPACE, key))
                                    .build());
            long sum = 0;
            for (MetricResult<Long> c : q.getCounters()) {
                sum += value(c);
            }
            return sum;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static long value(MetricResult<Long> c) {
        try {
            Long committed = c.getCommitted();
            if (committed != null) return committed;
        } catch (UnsupportedOperationException e) {
            // a runner without committed metrics (Flink): the attempted value
        }
        Long attempted = c.getAttempted();
        return attempted == null ? 0 : attempted;
    }
}
