package dev.headroom.stages.shared;

import dev.headroom.eval.harness.TaskSpec;
import java.io.Serializable;

/**
 * One calibration sample to profile on a worker: either a synthetic task case, generated next to
 * the model's tokenizer, or a given text (or token ids) from a JSONL file, whose last eighth is the
 * loss target.
 *
 * @param alignAnswers use the dense model's own greedy answer as the target (MoA's "model
 *     alignment")
 * @param text a JSONL line's text, or null
 * @param ids a JSONL line's token ids (models without a tokenizer), or null
 */
public record CalibrationSpec(
        TaskSpec task,
        int length,
        double depth,
        int sample,
        long seed,
        boolean alignAnswers,
        String text,
        int[] ids)
        implements Serializable {
    public static final String JSONL_TASK = "jsonl";

    public CalibrationSpec(
            TaskSpec task, int length, double depth, int sample, long seed, boolean alignAnswers) {
        this(task, length, depth, sample, seed, alignAnswers, null, null);
    }

    public boolean isGiven() {
        return text != null || ids != null;
    }

    public String coordinates() {
        return "task="
                + task.name()
                + " length="
                + length
                + " depth="
                + depth
                + " sample="
                + sample;
    }
}
