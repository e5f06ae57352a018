package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VariableTrackingTaskTest {

    private static final Pattern STATEMENT =
            Pattern.compile("VAR ([A-Z]{5}) = (VAR ([A-Z]{5})|([0-9]+))");

    /** Runs the assignments in prompt order and returns every variable holding the value. */
    private static List<String> variablesHolding(String prompt, String value) {
        Map<String, String> values = new HashMap<>();
        Matcher m = STATEMENT.matcher(prompt);
        while (m.find()) {
            String assigned = m.group(4) != null ? m.group(4) : values.get(m.group(3));
            assertTrue(assigned != null, "variable " + m.group(3) + " read before assignment");
            values.put(m.group(1), assigned);
        }
        List<String> holding = new ArrayList<>();
        values.forEach(
                (name, v) -> {
                    if (v.equals(value)) {
                        holding.add(name);
                    }
                });
        return holding.stream().sorted().toList();
    }

    @Test
    void answersAreExactlyTheVariablesHoldingTheValue() {
        VariableTrackingTask task = new VariableTrackingTask(TokenCounter.words()).withChains(2, 4);
        for (int sample = 0; sample < 5; sample++) {
            TaskCase c = task.generate(800, 0.3, sample, 42);
            Matcher q =
                    Pattern.compile("assigned the value ([0-9]+) in the text above")
                            .matcher(c.prompt());
            assertTrue(q.find());
            String value = q.group(1);
            assertEquals(5, value.length());
            assertEquals(5, c.answers().size());
            assertEquals(
                    variablesHolding(c.prompt(), value), c.answers().stream().sorted().toList());
            assertTrue(
                    c.prompt()
                            .endsWith(
                                    "5 variables are assgined the value " + value + ", they are:"));
            assertEquals(1.0, c.score(String.join(" ", c.answers())));
            assertEquals(0.4, c.score(c.answers().get(0) + " " + c.answers().get(1)), 1e-12);
            // Spans: each asked name appears once on the left and (except the last) once on the
            // right.
            assertEquals(9, c.needleSpans().size());
            for (NeedleSpan s : c.needleSpans()) {
                assertTrue(c.answers().contains(c.prompt().substring(s.start(), s.end())));
            }
            assertTrue(c.promptTokens() <= 800 && c.promptTokens() >= 793);
        }
    }

    @Test
    void firstStatementSitsAtTheDepth() {
        VariableTrackingTask task = new VariableTrackingTask(TokenCounter.words());
        for (double depth : new double[] {0.0, 0.5, 0.9}) {
            TaskCase c = task.generate(3000, depth, 0, 1);
            String first = "VAR " + c.answers().get(0) + " = ";
            int at = c.prompt().indexOf(first);
            int bodyStart = c.prompt().indexOf("\n\n") + 2;
            int bodyEnd = c.prompt().lastIndexOf("\nQuestion:");
            assertEquals(depth, (double) (at - bodyStart) / (bodyEnd - bodyStart), 0.02);
        }
    }

    @Test
    void randomLetterNamesAreFiveCapitals() {
        TaskCase c =
                new VariableTrackingTask(TokenCounter.words())
                        .withNameStyle(VariableTrackingTask.NameStyle.RANDOM_LETTERS)
                        .generate(500, 0.5, 0, 3);
        c.answers().forEach(n -> assertTrue(n.matches("[A-Z]{5}"), n));
        Matcher q = Pattern.compile("assigned the value ([0-9]+) in").matcher(c.prompt());
        assertTrue(q.find());
        assertEquals(
                variablesHolding(c.prompt(), q.group(1)), c.answers().stream().sorted().toList());
    }
}
