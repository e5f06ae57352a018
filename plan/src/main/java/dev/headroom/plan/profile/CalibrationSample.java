package dev.headroom.plan.profile;

import java.io.Serializable;

/**
 * One calibration sequence in token ids: the prompt, the answer the loss is taken on (the reference answer, or the
 * dense model's own under "model alignment"), and the needle's token span for retrieval scores (-1 when none).
 */
public record CalibrationSample(String task, int length, int sampleIndex, int[] promptIds, int[] answerIds,
                                int needleStart, int needleEnd) implements Serializable {

    public int[] sequence() {
        int[] all = new int[promptIds.length + answerIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(answerIds, 0, all, promptIds.length, answerIds.length);
        return all;
    }

    public boolean hasNeedle() {
        return needleStart >= 0 && needleEnd > needleStart;
    }
}
