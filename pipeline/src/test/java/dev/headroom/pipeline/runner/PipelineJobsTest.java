package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.pipeline.config.RunnerSettings;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;

/**
 * The driver's view of a running job on the DirectRunner (not blocking on run): the progress
 * counter read from the job's metrics while it runs and at its end, and a failure rethrown.
 */
class PipelineJobsTest {

    /** Latches that hold the job open until the test has polled it. */
    static final CountDownLatch HALF = new CountDownLatch(1), RELEASE = new CountDownLatch(1);

    static final class CountUnits extends DoFn<Integer, Integer> {
        private final String key;
        private final boolean hold;

        CountUnits(String key, boolean hold) {
            this.key = key;
            this.hold = hold;
        }

        @ProcessElement
        public void process(@Element Integer i, OutputReceiver<Integer> out)
                throws InterruptedException {
            if (hold && i == 40) {
                HALF.countDown();
                RELEASE.await(60, TimeUnit.SECONDS);
            }
            if (i < 0) throw new HeadroomException("case " + i + ": refused");
            RunProgress.workDone(key);
            out.output(i);
        }
    }

    private static Pipeline pipeline(String job) {
        return Pipeline.create(BeamRunners.options(new RunnerSettings(null, 1, null, null), job));
    }

    @Test
    void countsComeFromTheRunningJobsMetricsAndItsEnd() throws Exception {
        Pipeline p = pipeline("count-units");
        java.util.List<Integer> items = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) items.add(i);
        p.apply(Create.of(items)).apply(ParDo.of(new CountUnits("k-units", true)));
        PipelineJobs job = new PipelineJobs();
        PipelineResult result = p.run(); // returns at once: blockOnRun is off
        Thread waiter = new Thread(() -> job.await(result));
        waiter.start();
        assertTrue(HALF.await(60, TimeUnit.SECONDS), "the job reached its 41st element");
        assertNotNull(result.metrics());
        RELEASE.countDown();
        waiter.join(60_000);
        assertEquals(60, RunProgress.done(job.metrics(), "k-units"), "committed, once each");
        assertEquals(0, RunProgress.done(job.metrics(), "k-other"));
        assertEquals(0, RunProgress.done(null, "k-units"), "no job yet");
        assertTrue(
                RunStageContext.metricsLine(job.metrics()).isEmpty(),
                "the progress counter is not among the stage's metrics");
    }

    @Test
    void aFailedJobRethrowsItsDoFnsError() {
        Pipeline p = pipeline("fail-units");
        p.apply(Create.of(1, -2, 3)).apply(ParDo.of(new CountUnits("k-fail", false)));
        RuntimeException e =
                assertThrows(RuntimeException.class, () -> new PipelineJobs().await(p.run()));
        HeadroomException user = PipelineFailures.userError(e);
        assertNotNull(user, e.toString());
        assertEquals("case -2: refused", user.getMessage());
    }
}
