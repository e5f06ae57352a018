package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.config.RunnerSettings;
import dev.headroom.stages.evaluate.EvalCase;
import dev.headroom.stages.evaluate.EvaluateCases;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.flink.util.SerializedThrowable;
import org.junit.jupiter.api.Test;

/** A failing case surfaces as a one-line user error with its coordinates, on both runners. */
class PipelineFailuresTest {

    private static final String COORDINATES = "method=dense task=copy length=3 depth=0.5 sample=2";

    @Test
    void aFailedFlinkJobIsOneLineWithItsDeepestCause() {
        Exception chain =
                new RuntimeException(
                        "Pipeline execution failed",
                        new Exception(
                                "Job execution failed.",
                                new Exception(
                                        "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=10, backoffTimeMS=3000)",
                                        new java.net.ConnectException(
                                                "Connection refused: localhost/127.0.0.1:41703\nmore"))));
        assertNull(PipelineFailures.userError(chain), "not the user's to fix");
        assertEquals(
                "evaluate: the Flink job on localhost:8081 failed after its restart attempts:"
                        + " ConnectException: Connection refused: localhost/127.0.0.1:41703 (the"
                        + " JobManager's log and /jobs/<id>/exceptions have the rest)",
                PipelineFailures.flinkJobFailure("evaluate", "localhost:8081", chain).getMessage());
    }

    @Test
    void findsTheCaseFailureInsideFlinksSerializedThrowable() {
        CaseFailedException original =
                new CaseFailedException(COORDINATES, new IllegalArgumentException("too short"));
        RuntimeException wrapped =
                new RuntimeException(
                        "job failed", new RuntimeException(new SerializedThrowable(original)));
        HeadroomException user = PipelineFailures.userError(wrapped);
        assertNotNull(user);
        assertEquals(
                "case " + COORDINATES + " failed: IllegalArgumentException: too short",
                user.getMessage());
        assertNull(
                PipelineFailures.userError(
                        new RuntimeException(new IllegalStateException("a bug"))));
    }

    @Test
    void aFailingCaseOnFlinkNamesItsCoordinates() {
        EvalCase bad =
                new EvalCase(
                        new EvalMethod("dense", new DensePolicy()),
                        TaskSpec.of("copy"),
                        3,
                        0.5,
                        2,
                        1L);
        Pipeline p =
                Pipeline.create(
                        BeamRunners.options(
                                new RunnerSettings(RunnerKind.FLINK, 1, "[local]", null),
                                "failing-case"));
        p.apply(Create.of(List.of(bad)).withCoder(SerializableCoder.of(EvalCase.class)))
                .apply(new EvaluateCases(TestModels.tinyLlama().toString(), false, null));
        RuntimeException failure =
                assertThrows(RuntimeException.class, () -> p.run().waitUntilFinish());
        HeadroomException user = PipelineFailures.userError(failure);
        assertNotNull(user, "no user error in " + failure);
        assertEquals(
                "case "
                        + COORDINATES
                        + " failed: IllegalArgumentException: length 3 too short to copy after a prefix of 0",
                user.getMessage());
    }
}
