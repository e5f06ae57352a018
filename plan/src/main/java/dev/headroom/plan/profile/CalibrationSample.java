package dev.headroom.plan.profile;

import java.io.Serializable;

/**
 * One calibration sequence in token ids. The loss is the cross-entropy of the next token at {@code
 * lossPositions} (logits at p predict ids[p + 1]): the answer tokens only, as MoA profiles. The
 * needle's token span [needleStart, needleEnd) serves retrieval scores; -1 when the sample has no
 * needle.
 */
public record CalibrationSample(
        String task,
        int length,
        int sampleIndex,
        int[] ids,
        int[] lossPositions,
        int needleStart,
        int needleEnd)
        implements Serializable {

    public CalibrationSample {
        if (lossPositions.length == 0)
            throw new IllegalArgumentException("a calibration sample needs answer tokens");
        for (int p : lossPositions) {
            if (p < 0 || p + 1 >= ids.length)
                throw new IllegalArgumentException("loss position " + p + " outside the sequence");
        }
    }

    /** A prompt followed by its answer: the loss covers every answer token. */
    public static CalibrationSample promptAndAnswer(
            String task,
            int length,
            int sampleIndex,
            int[] prompt,
            int[] answer,
            int needleStart,
            int needleEnd) {
        int[] all = new int[prompt.length + answer.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(answer, 0, all, prompt.length, answer.length);
        int[] loss = new int[answer.length];
        for (int i = 0; i < answer.length; i++) loss[i] = prompt.length - 1 + i;
        return new CalibrationSample(task, length, sampleIndex, all, loss, needleStart, needleEnd);
    }

    public boolean hasNeedle() {
        return needleStart >= 0 && needleEnd > needleStart;
    }
}
