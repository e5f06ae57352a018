package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MqarTaskTest {

    private static final IdSet KEYS = IdSet.range(1, 100);
    private static final IdSet VALUES = IdSet.range(100, 200);

    @Test
    void answersAreTheValuesOfTheQueriedKeys() {
        MqarTask task = new MqarTask(KEYS, VALUES, 8);
        for (int sample = 0; sample < 10; sample++) {
            TaskCase c = task.generate(256, 0.0, sample, 5);
            int[] ids = c.promptIds();
            assertEquals(256, ids.length);
            Map<Integer, Integer> valueOfKey = new HashMap<>();
            for (int i = 0; i < 8; i++) {
                assertTrue(KEYS.contains(ids[2 * i]) && VALUES.contains(ids[2 * i + 1]));
                valueOfKey.put(ids[2 * i], ids[2 * i + 1]);
            }
            assertEquals(8, valueOfKey.size(), "keys are distinct");
            assertEquals(8, c.targetPositions().length, "every key is asked once by default");
            Set<Integer> asked = new HashSet<>();
            int previous = -1;
            for (int q = 0; q < c.targetPositions().length; q++) {
                int pos = c.targetPositions()[q];
                assertTrue(pos > previous && pos >= 16 && (pos - 16) % 2 == 0, "query at " + pos);
                previous = pos;
                assertEquals(valueOfKey.get(ids[pos]), c.expectedIds()[q]);
                asked.add(ids[pos]);
            }
            assertEquals(valueOfKey.keySet(), asked);
            // A perfect associative memory scores 1; predicting the key back scores 0.
            int[] perfect = new int[ids.length];
            int[] echo = ids.clone();
            for (int q = 0; q < c.targetPositions().length; q++) {
                perfect[c.targetPositions()[q]] = valueOfKey.get(ids[c.targetPositions()[q]]);
            }
            assertEquals(1.0, c.scoreArgmax(perfect));
            assertEquals(0.0, c.scoreArgmax(echo));
            for (NeedleSpan s : c.needleSpans()) {
                assertTrue(VALUES.contains(ids[s.start()]) && s.length() == 1);
            }
        }
    }

    @Test
    void powerLawFavoursEarlyQueriesAndUniformDoesNot() {
        MqarTask zoology = new MqarTask(KEYS, VALUES, 4);
        MqarTask uniform = zoology.withPowerA(1.0);
        double zoologyMean = 0;
        double uniformMean = 0;
        for (int s = 0; s < 200; s++) {
            for (int pos : zoology.generate(2048, 0, s, 1).targetPositions()) {
                zoologyMean += pos;
            }
            for (int pos : uniform.generate(2048, 0, s, 1).targetPositions()) {
                uniformMean += pos;
            }
        }
        zoologyMean /= 800;
        uniformMean /= 800;
        assertTrue(zoologyMean < 0.35 * 2048, "power law mean " + zoologyMean);
        assertEquals(1024, uniformMean, 100);
    }

    @Test
    void splitsDrawDisjointKeys() {
        Set<Integer> train = new HashSet<>();
        Set<Integer> heldOut = new HashSet<>();
        MqarTask task = new MqarTask(KEYS, VALUES, 4);
        for (int s = 0; s < 50; s++) {
            int[] t = task.withSplit(Split.TRAIN).generate(64, 0, s, 1).promptIds();
            int[] h = task.withSplit(Split.HELD_OUT).generate(64, 0, s, 1).promptIds();
            for (int i = 0; i < 8; i += 2) {
                train.add(t[i]);
                heldOut.add(h[i]);
            }
        }
        assertFalse(heldOut.isEmpty());
        train.retainAll(heldOut);
        assertTrue(train.isEmpty(), "shared keys " + train);
    }

    @Test
    void tooShortIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new MqarTask(KEYS, VALUES, 8).generate(20, 0, 0, 1));
    }

    @Test
    void textFormAnswersAreTheNumbersOfTheAskedWords() {
        MqarTextTask task = new MqarTextTask(TokenCounter.words());
        TaskCase c = task.generate(1000, 0.5, 3, 9);
        Map<String, String> pairs = new HashMap<>();
        Matcher m = Pattern.compile("([a-z]+) ([0-9]{4})\\.").matcher(c.prompt());
        while (m.find()) {
            pairs.put(m.group(1), m.group(2));
        }
        assertEquals(8, pairs.size());
        Matcher q =
                Pattern.compile("What are the numbers for (.+)\\? The numbers for")
                        .matcher(c.prompt());
        assertTrue(q.find());
        List<String> asked = List.of(q.group(1).replace(", and ", ", ").split(", "));
        assertEquals(4, asked.size());
        assertEquals(asked.stream().map(pairs::get).toList(), c.answers());
        assertEquals(4, c.needleSpans().size());
        assertTrue(
                c.prompt()
                        .startsWith(
                                "Each word below is paired with a number. Remember the pairs.\n"));
        assertTrue(c.promptTokens() <= 1000 && c.promptTokens() > 990);
        assertEquals(0.75, c.score(String.join(" ", c.answers().subList(0, 3))));
    }
}
