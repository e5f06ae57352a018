package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Length control and needle placement of the shared prompt builder. */
class HaystackPromptTest {

    private static final TokenCounter WORDS = TokenCounter.words();

    /**
     * Adds a BOS token to every count, like many HF tokenizers: per-sentence counts overestimate.
     */
    private static final TokenCounter WORDS_WITH_BOS = text -> TaskVocabulary.countWords(text) + 1;

    /** Not additive at all: ceil(chars / 4), so sentence boundaries shift the count. */
    private static final TokenCounter CHARS_BY_FOUR = text -> (text.length() + 3) / 4;

    private static final String NEEDLE =
            "The pass key is 71432. Remember it. 71432 is the pass key.";

    private static HaystackPrompt builder(TokenCounter counter, double depth) {
        return new HaystackPrompt(
                counter,
                Haystack.repeatOnOneLine(),
                "\n",
                "Intro sentence here.\n",
                "\nWhat is the pass key? The pass key is",
                List.of(new HaystackPrompt.Needle(depth, NEEDLE, List.of("71432"))));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 2048, 8192, 32768})
    void lengthHitsTheTargetAndNeverExceedsIt(int target) {
        for (TokenCounter counter : List.of(WORDS, WORDS_WITH_BOS, CHARS_BY_FOUR)) {
            HaystackPrompt.Built built = builder(counter, 0.5).build(target, 1.0);
            assertEquals(
                    counter.count(built.prompt()),
                    built.tokens(),
                    "reported count is the real count");
            assertTrue(built.tokens() <= target, built.tokens() + " > " + target);
            // The next sentence would not have fit: the longest filler sentence is 6 words (+
            // separator).
            assertTrue(
                    target - built.tokens() <= 7,
                    "too short: " + built.tokens() + " for " + target);
        }
    }

    @Test
    void lengthControlCountsTheWholePromptOnlyAFewTimes() {
        AtomicInteger longCounts = new AtomicInteger();
        TokenCounter counting =
                text -> {
                    if (text.length() > 1000) {
                        longCounts.incrementAndGet();
                    }
                    return WORDS_WITH_BOS.count(text);
                };
        HaystackPrompt builder = builder(counting, 0.3);
        builder.build(32768, 1.0);
        assertTrue(longCounts.get() <= 6, "counted a long prompt " + longCounts.get() + " times");
        assertTrue(builder.fullCounts <= 8, "assembled " + builder.fullCounts + " prompts");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0})
    void needleLandsAtTheRequestedDepthOnASentenceBoundary(double depth) {
        HaystackPrompt.Built built = builder(WORDS, depth).build(4096, 1.0);
        String prompt = built.prompt();
        int bodyStart = "Intro sentence here.\n".length();
        int bodyEnd = prompt.lastIndexOf("\nWhat is the pass key?");
        int needleAt = prompt.indexOf(NEEDLE);
        int before = WORDS.count(prompt.substring(bodyStart, needleAt));
        int after = WORDS.count(prompt.substring(needleAt + NEEDLE.length(), bodyEnd));
        double measured = (double) before / (before + after);
        assertEquals(depth, measured, 0.005, "needle at token depth " + measured);
        // Sentence boundary: the needle line follows a period or starts the body, and is followed
        // by a sentence.
        assertTrue(
                needleAt == bodyStart || prompt.startsWith(".\n", needleAt - 2),
                "not at a boundary");
        String rest = prompt.substring(needleAt + NEEDLE.length());
        assertTrue(
                rest.startsWith("\nThe grass")
                        || rest.startsWith("\nThe sky")
                        || rest.startsWith("\nThe sun")
                        || rest.startsWith("\nHere")
                        || rest.startsWith("\nThere")
                        || rest.startsWith("\nWhat is the pass key?"));
        if (depth == 0.0) {
            assertEquals(bodyStart, needleAt);
        }
        if (depth == 1.0) {
            assertTrue(rest.startsWith("\nWhat is the pass key?"));
        }
    }

    @Test
    void needleSpansCoverEveryOccurrenceOfTheValue() {
        HaystackPrompt.Built built = builder(WORDS, 0.5).build(1000, 1.0);
        assertEquals(2, built.needleSpans().size());
        for (NeedleSpan span : built.needleSpans()) {
            assertEquals("71432", built.prompt().substring(span.start(), span.end()));
        }
    }

    @Test
    void fillFractionLeavesRoomUnfilled() {
        int empty =
                WORDS.count(
                        "Intro sentence here.\n"
                                + NEEDLE
                                + "\nWhat is the pass key? The pass key is");
        HaystackPrompt.Built half = builder(WORDS, 0.5).build(2000, 0.5);
        int expected = empty + (2000 - empty) / 2;
        assertTrue(
                half.tokens() <= expected && half.tokens() > expected - 7,
                "half fill gave " + half.tokens());
    }

    @Test
    void targetBelowTheFixedTextIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> builder(WORDS, 0.5).build(10, 1.0));
    }

    @Test
    void textHaystackIsUsedInOrderAndRepeated() {
        Haystack text =
                Haystack.textOfSentences("Alpha beta gamma. Delta epsilon! Zeta eta theta?");
        assertEquals(
                List.of("Alpha beta gamma.", "Delta epsilon!", "Zeta eta theta?"), text.units());
        HaystackPrompt builder = new HaystackPrompt(WORDS, text, "\n", "", "", List.of());
        HaystackPrompt.Built built = builder.build(30, 1.0);
        assertTrue(
                built.prompt()
                        .startsWith(
                                "Alpha beta gamma. Delta epsilon! Zeta eta theta? Alpha beta gamma."));
        assertTrue(built.tokens() <= 30 && built.tokens() >= 26);
    }
}
