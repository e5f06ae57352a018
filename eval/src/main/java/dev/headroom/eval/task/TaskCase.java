package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One generated case of a long-context task; {@link #scoring()} says how it is run and scored:
 *
 * <ul>
 *   <li>{@link Scoring.GenerateAndMatch} (a text case): {@link #prompt()} is completed by the
 *       model, which generates up to {@link #maxNewTokens()} tokens; {@link #score(String)} applies
 *       the scorer to the decoded continuation against {@link #answers()}.
 *   <li>{@link Scoring.TeacherForcedArgmax} (a token case): {@link #promptIds()} is run
 *       teacher-forced once; the model's next-token prediction at each of {@link
 *       #targetPositions()} must equal the matching {@link #expectedIds()} entry; {@link
 *       #scoreTokens(int[])} gives the token accuracy.
 *   <li>{@link Scoring.CompareToDense} (a token case): {@link #promptIds()} is run with dense
 *       attention and with the method, and the two are compared at every position; {@link
 *       #expectedIds()} are the next ids the perplexity is taken over.
 * </ul>
 *
 * Arrays are shared, not copied: do not modify them.
 *
 * @param task generator name, e.g. {@code niah_single}
 * @param targetLength requested prompt length in tokens (the prompt never exceeds it)
 * @param depth requested depth in [0, 1]: of the needle (0.0 = start of the haystack, 1.0 = end),
 *     or whatever the generator documents for it
 * @param sampleIndex sample number within the (task, length, depth) cell
 * @param seed the run seed the case was derived from
 * @param prompt text prompt (ends with the answer prefix); null for token cases
 * @param promptIds token ids; null for text cases
 * @param promptTokens prompt length as measured by the generator's TokenCounter (ids length for
 *     token cases)
 * @param answers reference strings (text cases); empty for token cases
 * @param referenceCompletion a continuation of the prompt that scores 1, in the template's style
 *     (e.g. " 71432." for passkey); the training target for the demo model; null for token cases
 * @param targetPositions positions whose next-token prediction is scored (token cases); empty for
 *     text
 * @param expectedIds the expected next token at each target position (token cases); empty for text
 * @param maxNewTokens tokens to generate (0 for teacher-forced token cases)
 * @param needleSpans where the needle values sit (see {@link NeedleSpan}), in prompt order
 * @param scoring how the case is run and scored
 */
public record TaskCase(
        String task,
        int targetLength,
        double depth,
        int sampleIndex,
        long seed,
        String prompt,
        int[] promptIds,
        int promptTokens,
        List<String> answers,
        String referenceCompletion,
        int[] targetPositions,
        int[] expectedIds,
        int maxNewTokens,
        List<NeedleSpan> needleSpans,
        Scoring scoring)
        implements Serializable {

    private static final int[] NO_IDS = new int[0];

    public TaskCase {
        Objects.requireNonNull(task, "task");
        answers = List.copyOf(answers);
        needleSpans = List.copyOf(needleSpans);
        if ((prompt == null) == (promptIds == null)) {
            throw new IllegalArgumentException("a case has either a text prompt or prompt ids");
        }
        if (prompt != null
                && (scoring == null || answers.isEmpty() || referenceCompletion == null)) {
            throw new IllegalArgumentException(
                    "a text case needs a scorer, answers and a reference completion");
        }
        Objects.requireNonNull(scoring, "scoring");
        if (scoring.tokenLevel() != (promptIds != null)) {
            throw new IllegalArgumentException(
                    "scoring "
                            + scoring
                            + " does not fit a "
                            + (promptIds != null ? "token" : "text")
                            + " case: text cases are generated and matched, token cases teacher-forced or compared to dense");
        }
        if (promptIds != null) {
            if (targetPositions.length != expectedIds.length || targetPositions.length == 0) {
                throw new IllegalArgumentException(
                        "a token case needs one expected id per target position");
            }
            for (int p : targetPositions) {
                if (p < 0 || p >= promptIds.length) {
                    throw new IllegalArgumentException(
                            "target position " + p + " outside the prompt");
                }
            }
        }
    }

    /**
     * A case scored by a {@link Scorer} (text prompt) or by token accuracy at its target positions
     * (prompt ids).
     *
     * @param scorer the text scoring rule; ignored for token cases
     */
    public TaskCase(
            String task,
            int targetLength,
            double depth,
            int sampleIndex,
            long seed,
            String prompt,
            int[] promptIds,
            int promptTokens,
            List<String> answers,
            String referenceCompletion,
            int[] targetPositions,
            int[] expectedIds,
            int maxNewTokens,
            List<NeedleSpan> needleSpans,
            Scorer scorer) {
        this(
                task,
                targetLength,
                depth,
                sampleIndex,
                seed,
                prompt,
                promptIds,
                promptTokens,
                answers,
                referenceCompletion,
                targetPositions,
                expectedIds,
                maxNewTokens,
                needleSpans,
                scoringOf(prompt, scorer));
    }

    private static Scoring scoringOf(String prompt, Scorer scorer) {
        if (prompt == null) {
            return new Scoring.TeacherForcedArgmax();
        }
        return scorer == null ? null : new Scoring.GenerateAndMatch(scorer);
    }

    static TaskCase text(
            String task,
            int targetLength,
            double depth,
            int sampleIndex,
            long seed,
            String prompt,
            int promptTokens,
            List<String> answers,
            String referenceCompletion,
            int maxNewTokens,
            List<NeedleSpan> needleSpans,
            Scorer scorer) {
        return new TaskCase(
                task,
                targetLength,
                depth,
                sampleIndex,
                seed,
                prompt,
                null,
                promptTokens,
                answers,
                referenceCompletion,
                NO_IDS,
                NO_IDS,
                maxNewTokens,
                needleSpans,
                new Scoring.GenerateAndMatch(scorer));
    }

    static TaskCase tokens(
            String task,
            int targetLength,
            double depth,
            int sampleIndex,
            long seed,
            int[] promptIds,
            int[] targetPositions,
            int[] expectedIds,
            List<NeedleSpan> needleSpans) {
        return tokens(
                task,
                targetLength,
                depth,
                sampleIndex,
                seed,
                promptIds,
                targetPositions,
                expectedIds,
                needleSpans,
                new Scoring.TeacherForcedArgmax());
    }

    /** A token case (teacher-forced or compared to dense) with the given scoring. */
    public static TaskCase tokens(
            String task,
            int targetLength,
            double depth,
            int sampleIndex,
            long seed,
            int[] promptIds,
            int[] targetPositions,
            int[] expectedIds,
            List<NeedleSpan> needleSpans,
            Scoring scoring) {
        return new TaskCase(
                task,
                targetLength,
                depth,
                sampleIndex,
                seed,
                null,
                promptIds,
                promptIds.length,
                List.of(),
                null,
                targetPositions,
                expectedIds,
                0,
                needleSpans,
                scoring);
    }

    public boolean isTokenLevel() {
        return promptIds != null;
    }

    /** Name of the scoring rule, for reports. */
    public String scoringRule() {
        return scoring.ruleName();
    }

    /** The text scoring rule of a generated-and-matched case; null for token cases. */
    public Scorer scorer() {
        return scoring instanceof Scoring.GenerateAndMatch g ? g.scorer() : null;
    }

    /** Score of a generated continuation (text cases), in [0, 1]. */
    public double score(String prediction) {
        if (!(scoring instanceof Scoring.GenerateAndMatch g)) {
            throw new IllegalStateException(task + " is a token-level case: use scoreTokens");
        }
        return g.scorer().score(prediction, answers);
    }

    /**
     * Token accuracy given the predicted next token at each of {@link #targetPositions()}, in that
     * order.
     */
    public double scoreTokens(int[] predictionsAtTargets) {
        if (!isTokenLevel()) {
            throw new IllegalStateException(task + " is a text case: use score");
        }
        return TokenAccuracy.score(expectedIds, predictionsAtTargets);
    }

    /**
     * Token accuracy given the argmax next token at every prompt position (length of {@link
     * #promptIds()}).
     */
    public double scoreArgmax(int[] argmaxPerPosition) {
        if (argmaxPerPosition.length < promptIds.length) {
            throw new IllegalArgumentException(
                    "need a prediction for each of the " + promptIds.length + " positions");
        }
        int[] atTargets = new int[targetPositions.length];
        for (int i = 0; i < atTargets.length; i++) {
            atTargets[i] = argmaxPerPosition[targetPositions[i]];
        }
        return scoreTokens(atTargets);
    }

    /**
     * Whether {@code other} asks the model the same thing and scores it the same way: equal
     * prompts, targets, answers and scoring, whatever the coordinates (depth, sample, seed) it was
     * generated from.
     */
    public boolean sameCaseAs(TaskCase other) {
        return targetLength == other.targetLength
                && promptTokens == other.promptTokens
                && maxNewTokens == other.maxNewTokens
                && task.equals(other.task)
                && Objects.equals(prompt, other.prompt)
                && Arrays.equals(promptIds, other.promptIds)
                && answers.equals(other.answers)
                && Objects.equals(referenceCompletion, other.referenceCompletion)
                && Arrays.equals(targetPositions, other.targetPositions)
                && Arrays.equals(expectedIds, other.expectedIds)
                && needleSpans.equals(other.needleSpans)
                && scoring.getClass() == other.scoring.getClass()
                && scoringRule().equals(other.scoringRule());
    }

    // Records compare arrays by reference; cases compare by content (scorers by kind and rule
    // name).
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TaskCase c)) {
            return false;
        }
        return Double.compare(depth, c.depth) == 0
                && sampleIndex == c.sampleIndex
                && seed == c.seed
                && sameCaseAs(c);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                task,
                targetLength,
                depth,
                sampleIndex,
                seed,
                prompt,
                Arrays.hashCode(promptIds),
                answers,
                Arrays.hashCode(expectedIds));
    }

    @Override
    public String toString() {
        String body = isTokenLevel() ? promptIds.length + " ids" : promptTokens + " tokens";
        return "TaskCase["
                + task
                + " length="
                + targetLength
                + " depth="
                + depth
                + " sample="
                + sampleIndex
                + " seed="
                + seed
                + ", "
                + body
                + ", answers="
                + (isTokenLevel() ? Arrays.toString(expectedIds) : answers)
                + "]";
    }
}
