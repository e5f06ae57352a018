package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PassKeyTaskTest {

    private final PassKeyTask task = new PassKeyTask(TokenCounter.words());

    @Test
    void promptFollowsTheLongLoraTemplate() {
        TaskCase c = task.generate(300, 0.5, 0, 7);
        String key = c.answers().get(0);
        assertEquals(5, key.length());
        String p = c.prompt();
        assertTrue(
                p.startsWith(
                        "There is an important info hidden inside a lot of irrelevant text. Find it and memorize them. "
                                + "I will quiz you about the important information there.\nThe grass is green. The sky is blue."),
                p);
        assertTrue(
                p.contains(
                        "\nThe pass key is "
                                + key
                                + ". Remember it. "
                                + key
                                + " is the pass key.\n"));
        assertTrue(
                p.endsWith(" again.\nWhat is the pass key? The pass key is")
                        || p.endsWith(".\nWhat is the pass key? The pass key is"));
        assertEquals(2, c.needleSpans().size());
        c.needleSpans().forEach(s -> assertEquals(key, p.substring(s.start(), s.end())));
        assertTrue(c.promptTokens() <= 300 && c.promptTokens() > 290);
        assertEquals(1.0, c.score(" " + key + "."));
    }

    @Test
    void depthZeroAndOnePutTheNeedleAtTheEnds() {
        TaskCase start = task.generate(500, 0.0, 0, 1);
        assertTrue(start.prompt().contains("information there.\nThe pass key is "));
        TaskCase end = task.generate(500, 1.0, 0, 1);
        assertTrue(end.prompt().contains(" is the pass key.\nWhat is the pass key?"));
    }

    @Test
    void fillerJitterVariesTheFillerButNeverExceedsTheTarget() {
        PassKeyTask jittered = task.withOptions(GeneratorOptions.DEFAULT.withFillerJitter(0.5));
        java.util.Set<Integer> lengths = new java.util.HashSet<>();
        for (int sample = 0; sample < 20; sample++) {
            TaskCase c = jittered.generate(1000, 0.5, sample, 3);
            assertTrue(c.promptTokens() <= 1000);
            assertTrue(c.promptTokens() >= 500, "filled less than half: " + c.promptTokens());
            lengths.add(c.promptTokens());
        }
        assertTrue(lengths.size() > 10, "filler hardly varies: " + lengths);
    }
}
