package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScorerTest {

    private final Scorer firstInteger = new FirstIntegerMatch();
    private final Scorer matchAll = new StringMatchAll();

    @Test
    void firstIntegerMatchReadsTheFirstIntegerOnly() {
        List<String> key = List.of("71432");
        assertEquals(1.0, firstInteger.score("The pass key is 71432.", key));
        assertEquals(1.0, firstInteger.score(" 71432. Remember it. 71432 is the pass key.", key));
        assertEquals(
                1.0, firstInteger.score("071432", key), "leading zeros do not change the integer");
        assertEquals(0.0, firstInteger.score("7143 2", key), "the first integer is 7143");
        assertEquals(0.0, firstInteger.score("no key", key));
        assertEquals(0.0, firstInteger.score("", key));
        assertEquals(0.0, firstInteger.score(null, key));
        assertEquals(
                0.0,
                firstInteger.score("The pass key is 12345, not 71432.", key),
                "only the first integer counts");
        assertEquals(0.0, firstInteger.score("714321", key));
        assertEquals(1.0, firstInteger.score("key:71432abc", key));
    }

    @Test
    void stringMatchAllIsTheFractionOfReferencesFoundIgnoringCase() {
        List<String> refs = List.of("1234567", "7654321", "ALPHA");
        assertEquals(
                2.0 / 3.0, matchAll.score("The numbers are 1234567 and 7654321.", refs), 1e-12);
        assertEquals(0.667, matchAll.score("the numbers are 1234567 and 7654321.", refs), 1e-3);
        assertEquals(1.0, matchAll.score("1234567, 7654321, alpha", refs));
        assertEquals(1.0 / 3.0, matchAll.score("Alpha", refs), 1e-12);
        assertEquals(0.0, matchAll.score("nothing here", refs));
        assertEquals(0.0, matchAll.score(null, refs));
        assertEquals(
                1.0, matchAll.score("x123456789", List.of("2345678")), "RULER matches substrings");
        assertThrows(IllegalArgumentException.class, () -> matchAll.score("a", List.of()));
    }

    @Test
    void tokenAccuracyCountsEqualPositionsAndMissingAsWrong() {
        assertEquals(1.0, TokenAccuracy.score(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 4}));
        assertEquals(0.5, TokenAccuracy.score(new int[] {1, 2, 3, 4}, new int[] {1, 9, 3, 9}));
        assertEquals(0.25, TokenAccuracy.score(new int[] {1, 2, 3, 4}, new int[] {1}));
        assertEquals(0.0, TokenAccuracy.score(new int[] {1, 2}, new int[] {2, 1}));
    }

    @Test
    void casesScoreThroughTheirRule() {
        TaskCase passkey = new PassKeyTask(TokenCounter.words()).generate(200, 0.5, 0, 1);
        String key = passkey.answers().get(0);
        assertEquals(FirstIntegerMatch.NAME, passkey.scoringRule());
        assertEquals(1.0, passkey.score(" " + key + ". Remember it."));
        assertEquals(0.0, passkey.score(" " + key.substring(1)));
        assertThrows(IllegalStateException.class, () -> passkey.scoreTokens(new int[] {1}));

        TaskCase copy = new CopyTask(IdSet.range(3, 50)).generate(10, 0, 0, 1);
        assertEquals(TokenAccuracy.NAME, copy.scoringRule());
        assertThrows(IllegalStateException.class, () -> copy.score("x"));
    }

    @Test
    void eachGeneratorGivesItsScoringKindUnderTheReportedRuleName() {
        TaskCase passkey = new PassKeyTask(TokenCounter.words()).generate(200, 0.5, 0, 1);
        assertEquals(new Scoring.GenerateAndMatch(passkey.scorer()), passkey.scoring());
        assertEquals(FirstIntegerMatch.NAME, passkey.scoring().ruleName());
        TaskCase niah = NiahTask.single(TokenCounter.words()).generate(300, 0.5, 0, 1);
        assertEquals(StringMatchAll.NAME, niah.scoringRule());
        TaskCase copy = new CopyTask(IdSet.range(3, 50)).generate(10, 0, 0, 1);
        assertEquals(new Scoring.TeacherForcedArgmax(), copy.scoring());
        assertEquals(null, copy.scorer());
        TaskCase mqar =
                new MqarTask(IdSet.range(1, 50), IdSet.range(50, 100), 4).generate(64, 0, 0, 1);
        assertEquals(new Scoring.TeacherForcedArgmax(), mqar.scoring());
        assertEquals(TokenAccuracy.NAME, new Scoring.CompareToDense().ruleName());
    }

    @Test
    void aScoringMustFitTheKindOfCase() {
        TaskCase copy = new CopyTask(IdSet.range(3, 50)).generate(10, 0, 0, 1);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        TaskCase.tokens(
                                "copy",
                                10,
                                0,
                                0,
                                1,
                                copy.promptIds(),
                                copy.targetPositions(),
                                copy.expectedIds(),
                                List.of(),
                                new Scoring.GenerateAndMatch(new StringMatchAll())));
        // The constructor with a Scorer derives the scoring from the kind of prompt.
        TaskCase viaScorer =
                new TaskCase(
                        "copy",
                        10,
                        0,
                        0,
                        1,
                        null,
                        copy.promptIds(),
                        copy.promptIds().length,
                        List.of(),
                        null,
                        copy.targetPositions(),
                        copy.expectedIds(),
                        0,
                        List.of(),
                        (Scorer) null);
        assertEquals(copy.scoring(), viaScorer.scoring());
        TaskCase dense =
                TaskCase.tokens(
                        "copy",
                        10,
                        0,
                        0,
                        1,
                        copy.promptIds(),
                        copy.targetPositions(),
                        copy.expectedIds(),
                        copy.needleSpans(),
                        new Scoring.CompareToDense());
        assertFalse(dense.sameCaseAs(copy), "same ids, other scoring");
        assertTrue(copy.sameCaseAs(new CopyTask(IdSet.range(3, 50)).generate(10, 0, 0, 1)));
    }
}
