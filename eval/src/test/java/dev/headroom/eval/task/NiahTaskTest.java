package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NiahTaskTest {

    private static final TokenCounter WORDS = TokenCounter.words();
    private static final Pattern NEEDLE =
            Pattern.compile("One of the special magic numbers for ([a-z]+) is: ([0-9]+)\\.");

    @Test
    void singleUsesRulerSingularTemplateAndRepeatHaystack() {
        TaskCase c = NiahTask.single(WORDS).generate(600, 0.4, 0, 11);
        String p = c.prompt();
        assertTrue(
                p.startsWith(
                        "A special magic number is hidden within the following text. Make sure to memorize it. "
                                + "I will quiz you about the number afterwards.\nThe grass is green. The sky is blue. The sun is yellow. "
                                + "Here we go. There and back again.\nThe grass is green."),
                p);
        Matcher m = NEEDLE.matcher(p);
        assertTrue(m.find());
        String key = m.group(1);
        String value = m.group(2);
        assertFalse(m.find(), "one needle only");
        assertEquals(7, value.length());
        assertEquals(List.of(value), c.answers());
        assertTrue(
                p.endsWith(
                        "\nWhat is the special magic number for "
                                + key
                                + " mentioned in the provided text? "
                                + "The special magic number for "
                                + key
                                + " mentioned in the provided text is"),
                p);
        assertEquals(1, c.needleSpans().size());
        assertEquals(
                value, p.substring(c.needleSpans().get(0).start(), c.needleSpans().get(0).end()));
        assertEquals(1.0, c.score(" " + value + "."));
        assertTrue(c.promptTokens() <= 600 && c.promptTokens() > 593);
    }

    @Test
    void multiKeyAsksOneKeyAmongDistractors() {
        TaskCase c = NiahTask.multiKey(WORDS).generate(1000, 0.5, 2, 5);
        List<String[]> needles = needles(c.prompt());
        assertEquals(4, needles.size());
        assertEquals(1, c.answers().size());
        String asked = askedKeys(c.prompt());
        String answer =
                needles.stream().filter(n -> n[0].equals(asked)).findFirst().orElseThrow()[1];
        assertEquals(List.of(answer), c.answers());
        assertEquals(1, c.needleSpans().size(), "distractors carry no span");
    }

    @Test
    void multiValueAsksAllValuesOfOneKeyWithPluralTemplate() {
        TaskCase c = NiahTask.multiValue(WORDS).generate(1000, 0.5, 0, 5);
        List<String[]> needles = needles(c.prompt());
        assertEquals(4, needles.size());
        assertTrue(needles.stream().allMatch(n -> n[0].equals(needles.get(0)[0])));
        assertEquals(
                needles.stream().map(n -> n[1]).sorted().toList(),
                c.answers().stream().sorted().toList());
        assertTrue(
                c.prompt()
                        .startsWith(
                                "Some special magic numbers are hidden within the following text."));
        assertTrue(c.prompt().endsWith("mentioned in the provided text are"));
        assertEquals(4, c.needleSpans().size());
        assertEquals(0.5, c.score(c.answers().get(0) + " " + c.answers().get(3)));
    }

    @Test
    void multiQueryAsksFourKeysInRulerListForm() {
        TaskCase c = NiahTask.multiQuery(WORDS).generate(1200, 0.5, 0, 5);
        List<String[]> needles = needles(c.prompt());
        assertEquals(4, needles.size());
        String asked = askedKeys(c.prompt());
        assertTrue(asked.matches("[a-z]+, [a-z]+, [a-z]+, and [a-z]+"), asked);
        String[] askedList = asked.replace(", and ", ", ").split(", ");
        for (int i = 0; i < 4; i++) {
            String key = askedList[i];
            String value =
                    needles.stream().filter(n -> n[0].equals(key)).findFirst().orElseThrow()[1];
            assertEquals(value, c.answers().get(i), "answers follow the question order");
        }
        assertEquals(1.0, c.score(String.join(", ", c.answers())));
    }

    @Test
    void mainNeedleOfMultiVariantsLandsAtTheDepth() {
        for (double depth : new double[] {0.0, 0.5, 1.0}) {
            TaskCase c = NiahTask.multiQuery(WORDS).generate(4000, depth, 0, 9);
            String firstAsked = askedKeys(c.prompt()).split(",")[0];
            int at = c.prompt().indexOf("for " + firstAsked + " is:");
            int bodyStart = c.prompt().indexOf('\n');
            int bodyEnd = c.prompt().lastIndexOf('\n');
            double measured = (double) (at - bodyStart) / (bodyEnd - bodyStart);
            assertEquals(depth, measured, 0.03);
        }
    }

    @Test
    void userTextHaystackIsUsed() {
        Haystack essay =
                Haystack.text(
                        List.of("First paragraph of the essay.", "Second paragraph, a bit longer."),
                        "\n");
        NiahTask task =
                (NiahTask)
                        TaskCatalog.niahInText(
                                NiahTask.SINGLE, WORDS, essay, GeneratorOptions.DEFAULT);
        assertEquals("niah_single_text", task.name());
        TaskCase c = task.generate(300, 0.5, 0, 1);
        assertTrue(
                c.prompt()
                        .contains(
                                "First paragraph of the essay.\nSecond paragraph, a bit longer.\n"));
        assertFalse(c.prompt().contains("grass"));
        assertEquals(1, needles(c.prompt()).size());
        assertTrue(c.promptTokens() <= 300 && c.promptTokens() >= 290);
    }

    @Test
    void valueDigitsIsAParameter() {
        TaskCase c = NiahTask.single(WORDS).withValueDigits(3).generate(200, 0.5, 0, 1);
        assertEquals(3, c.answers().get(0).length());
    }

    static List<String[]> needles(String prompt) {
        Matcher m = NEEDLE.matcher(prompt);
        java.util.ArrayList<String[]> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(new String[] {m.group(1), m.group(2)});
        }
        return found;
    }

    static String askedKeys(String prompt) {
        Matcher m =
                Pattern.compile("special magic numbers? for (.+) mentioned in the provided text\\?")
                        .matcher(prompt);
        assertTrue(m.find());
        return m.group(1);
    }
}
