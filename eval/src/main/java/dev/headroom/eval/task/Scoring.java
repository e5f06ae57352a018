package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.Objects;

/**
 * How a {@link TaskCase} is run and scored; {@code CaseRunner} dispatches on it.
 *
 * <ul>
 *   <li>{@link GenerateAndMatch}: the text prompt is completed greedily and the decoded
 *       continuation is scored by a {@link Scorer} against the case's answers.
 *   <li>{@link TeacherForcedArgmax}: the prompt ids are run teacher-forced in one pass; the argmax
 *       at each target position must equal the expected next id ({@link TokenAccuracy}).
 *   <li>{@link CompareToDense}: the prompt ids are run teacher-forced with dense attention and with
 *       the method; the score is the fraction of positions whose argmax agrees with dense, with
 *       KL(dense || method) and the method's perplexity on the next ids alongside.
 * </ul>
 */
public sealed interface Scoring extends Serializable
        permits Scoring.GenerateAndMatch, Scoring.TeacherForcedArgmax, Scoring.CompareToDense {

    /**
     * The rule's name in reports ({@code string_match_all}, {@code first_integer_match}, {@code
     * token_accuracy}).
     */
    String ruleName();

    /** Whether the case is given as token ids (teacher-forced) rather than as text to complete. */
    boolean tokenLevel();

    /** Greedy generation, scored by {@code scorer} on the decoded continuation. */
    record GenerateAndMatch(Scorer scorer) implements Scoring {
        public GenerateAndMatch {
            Objects.requireNonNull(scorer, "scorer");
        }

        @Override
        public String ruleName() {
            return scorer.name();
        }

        @Override
        public boolean tokenLevel() {
            return false;
        }
    }

    /**
     * One teacher-forced pass, scored by the token accuracy of the argmax at the target positions.
     */
    record TeacherForcedArgmax() implements Scoring {
        @Override
        public String ruleName() {
            return TokenAccuracy.NAME;
        }

        @Override
        public boolean tokenLevel() {
            return true;
        }
    }

    /**
     * Dense and method passes compared position by position. Reported as {@code token_accuracy}:
     * the score is the token accuracy of the method's argmax against dense's argmax at every
     * position.
     */
    record CompareToDense() implements Scoring {
        @Override
        public String ruleName() {
            return TokenAccuracy.NAME;
        }

        @Override
        public boolean tokenLevel() {
            return true;
        }
    }
}
