package dev.headroom.stages.evaluate;

import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.api.EvalMethod;
import java.io.Serializable;
import java.util.Locale;

/**
 * One element of the evaluation grid: which method runs which generated case. The case itself is
 * generated on the worker from these coordinates (generators are seeded by them), so the element
 * stays small.
 */
public record EvalCase(
        EvalMethod method, TaskSpec task, int length, double depth, int sample, long seed)
        implements Serializable {

    /** "method=dense task=passkey length=512 depth=0.5 sample=1", for messages. */
    public String coordinates() {
        return String.format(
                Locale.ROOT,
                "method=%s task=%s length=%d depth=%s sample=%d",
                method.label(),
                task.name(),
                length,
                depth,
                sample);
    }
}
