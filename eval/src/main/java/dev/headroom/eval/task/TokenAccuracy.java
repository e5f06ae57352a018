package dev.headroom.eval.task;

/**
 * Accuracy of teacher-forced next-token predictions (copy task, token-level MQAR): the fraction of
 * scored positions where the predicted id equals the expected id. Missing predictions count as
 * wrong.
 */
public final class TokenAccuracy {

    public static final String NAME = "token_accuracy";

    private TokenAccuracy() {}

    public static double score(int[] expected, int[] predicted) {
        if (expected.length == 0) {
            throw new IllegalArgumentException("token_accuracy needs at least one expected token");
        }
        int correct = 0;
        int n = Math.min(expected.length, predicted.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] == predicted[i]) {
                correct++;
            }
        }
        return (double) correct / expected.length;
    }
}
