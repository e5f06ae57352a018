package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskVocabulary;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The data a train-demo run draws: reproducible steps, the curriculum's shape, the MQAR and VT
 * variants.
 */
class TrainingDataTest {
    private static final WordTokenizer TOK = WordTokenizer.forTasks();

    @Test
    void aStepDependsOnlyOnTheSeedAndTheStepNumber() {
        TrainingData.Curriculum c =
                new TrainingData.Curriculum(128, 2048, TrainingData.Curriculum.defaultShares());
        TrainingSteps a =
                new TrainingSteps(new TrainingData(TOK, Split.TRAIN, 0.3), c, 1000, 4096, 7);
        TrainingSteps b =
                new TrainingSteps(new TrainingData(TOK, Split.TRAIN, 0.3), c, 1000, 4096, 7);
        b.batch(900); // drawing other steps first changes nothing
        for (int step : new int[] {0, 500, 999}) {
            List<TrainingData.Example> x = a.batch(step), y = b.batch(step);
            assertEquals(x.size(), y.size());
            for (int i = 0; i < x.size(); i++)
                assertArrayEquals(x.get(i).input(), y.get(i).input());
        }
        TrainingSteps other =
                new TrainingSteps(new TrainingData(TOK, Split.TRAIN, 0.3), c, 1000, 4096, 8);
        assertTrue(
                !java.util.Arrays.equals(
                        a.batch(500).get(0).input(), other.batch(500).get(0).input()));
    }

    @Test
    void theBootstrapIsCopiesOfVariedLength() {
        TrainingData.Curriculum c =
                new TrainingData.Curriculum(128, 2048, TrainingData.Curriculum.defaultShares());
        TrainingSteps steps =
                new TrainingSteps(new TrainingData(TOK, Split.TRAIN, 0.3), c, 1000, 4096, 7);
        List<TrainingData.Example> batch = steps.batch(3);
        assertEquals(
                TrainingData.Curriculum.batchSize(TrainingData.Curriculum.BOOTSTRAP_LENGTH, 4096),
                batch.size());
        Set<Integer> sizes = new HashSet<>();
        for (TrainingData.Example e : batch) {
            assertEquals(TrainingData.COPY, e.task());
            assertTrue(
                    e.size() >= TrainingData.COPY_MIN_LENGTH - 1
                            && e.size() <= TrainingData.Curriculum.BOOTSTRAP_LENGTH,
                    "" + e.size());
            sizes.add(e.size());
        }
        assertTrue(sizes.size() > 10, "copy lengths vary: " + sizes);
    }

    @Test
    void lengthsGrowAndTheLongShareDrawsFromTheTopTwoOctaves() {
        var shares = TrainingData.Curriculum.defaultShares();
        TrainingData.Curriculum longOnly =
                new TrainingData.Curriculum(
                        128, 2048, shares, new TrainingData.Curriculum.Shape(0.2, 0.45, 1.0));
        TrainingData.Curriculum plain =
                new TrainingData.Curriculum(
                        128, 2048, shares, new TrainingData.Curriculum.Shape(0.2, 0.45, 0.0));
        assertEquals(256, plain.top(0.1));
        assertEquals(2048, plain.top(0.45));
        assertTrue(plain.top(0.3) > 256 && plain.top(0.3) < 2048);
        Random rng = new Random(1);
        int shortDraws = 0;
        for (int i = 0; i < 2000; i++) {
            int l = longOnly.length(rng, 0.9);
            assertTrue(l >= 512 && l <= 2048, "long draw " + l);
            if (plain.length(rng, 0.9) < 512) shortDraws++;
        }
        assertTrue(
                shortDraws > 800 && shortDraws < 1200,
                "log-uniform over 128..2048 puts half below 512: " + shortDraws);
    }

    @Test
    void trainingMqarAsksFourEightOrSixteenPairsAndHeldOutAlwaysSixteen() {
        TrainingData train = new TrainingData(TOK, Split.TRAIN, 0.3);
        TrainingData held = new TrainingData(TOK, Split.HELD_OUT, 0.0);
        Set<Integer> pairs = new HashSet<>();
        for (int k = 0; k < 30; k++) {
            double depth = k / 29.0;
            pairs.add(answers(train.example(TrainingData.MQAR, 256, depth, k, 3)));
            assertEquals(
                    TrainingData.MQAR_PAIRS,
                    answers(held.example(TrainingData.MQAR, 256, depth, k, 3)));
        }
        assertEquals(Set.of(4, 8, 16), pairs);
    }

    @Test
    void variableTrackingKeepsValuesHeldOutAndDrawsNamesFromTheWholePool() {
        TrainingData held = new TrainingData(TOK, Split.HELD_OUT, 0.0);
        Set<String> names = new HashSet<>();
        for (int k = 0; k < 40; k++) {
            TaskCase c = held.generator(TrainingData.VT).generate(400, 0.2, k, 11);
            names.addAll(c.answers());
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("value ([0-9]+)").matcher(c.prompt());
            assertTrue(m.find());
            assertTrue(
                    Split.HELD_OUT.containsHashed(m.group(1)),
                    "value " + m.group(1) + " is held out");
        }
        assertTrue(names.stream().anyMatch(TaskVocabulary.TRAIN_VARIABLE_NAMES::contains));
        assertTrue(names.stream().anyMatch(TaskVocabulary.HELD_OUT_VARIABLE_NAMES::contains));
    }

    private static int answers(TrainingData.Example e) {
        int n = 0;
        for (boolean a : e.answer()) if (a) n++;
        return n;
    }
}
