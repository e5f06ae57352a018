package dev.headroom.stages.profile;

import dev.headroom.eval.harness.TaskSpec;
import java.io.Serializable;

/**
 * One calibration sample to generate and profile on a worker: small, so the sample itself (thousands of ids) is
 * made next to the model's tokenizer.
 *
 * @param alignAnswers use the dense model's own greedy answer as the target (MoA's "model alignment")
 */
public record CalibrationSpec(TaskSpec task, int length, double depth, int sample, long seed, boolean alignAnswers)
        implements Serializable {

    public String coordinates() {
        return "task=" + task.name() + " length=" + length + " depth=" + depth + " sample=" + sample;
    }
}
