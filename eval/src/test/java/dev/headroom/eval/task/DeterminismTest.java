package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterminismTest {

    private static List<TaskGenerator> allGenerators() {
        List<TaskGenerator> generators = new ArrayList<>();
        for (String name : TaskCatalog.TEXT_TASKS) {
            generators.add(
                    TaskCatalog.textTask(
                            name,
                            TokenCounter.words(),
                            GeneratorOptions.DEFAULT.withFillerJitter(0.3)));
        }
        generators.add(new MqarTask(IdSet.range(1, 50), IdSet.range(50, 100), 8));
        generators.add(new CopyTask(IdSet.range(3, 512)));
        return generators;
    }

    @Test
    void sameCoordinatesGiveTheSameCase() {
        for (TaskGenerator g : allGenerators()) {
            TaskCase a = g.generate(700, 0.4, 3, 99);
            TaskCase b = g.generate(700, 0.4, 3, 99);
            assertEquals(a, b, g.name());
            // A fresh generator instance too (no hidden state).
            TaskCase c =
                    allGenerators().stream()
                            .filter(x -> x.name().equals(g.name()))
                            .findFirst()
                            .orElseThrow()
                            .generate(700, 0.4, 3, 99);
            assertEquals(a, c, g.name());
        }
    }

    @Test
    void everyCoordinateChangesTheCase() {
        for (TaskGenerator g : allGenerators()) {
            TaskCase base = g.generate(700, 0.4, 3, 99);
            assertNotEquals(
                    content(base), content(g.generate(700, 0.4, 3, 100)), g.name() + " seed");
            assertNotEquals(
                    content(base), content(g.generate(700, 0.4, 4, 99)), g.name() + " sample");
            assertNotEquals(
                    content(base), content(g.generate(701, 0.4, 3, 99)), g.name() + " length");
        }
    }

    @Test
    void referenceCompletionScoresOneAndTheEmptyAnswerZero() {
        for (String name : TaskCatalog.TEXT_TASKS) {
            TaskGenerator g =
                    TaskCatalog.textTask(name, TokenCounter.words(), GeneratorOptions.DEFAULT);
            for (int sample = 0; sample < 3; sample++) {
                TaskCase c = g.generate(600, 0.5, sample, 4);
                assertEquals(
                        1.0,
                        c.score(c.referenceCompletion()),
                        name + ": " + c.referenceCompletion());
                assertEquals(0.0, c.score(""), name);
            }
        }
    }

    @Test
    void casesAndGeneratorsSurviveJavaSerialization() throws Exception {
        for (TaskGenerator g : allGenerators()) {
            TaskCase c = g.generate(300, 0.5, 0, 1);
            assertEquals(c, roundTrip(c));
            TaskGenerator copy = (TaskGenerator) roundTrip(g);
            assertEquals(c, copy.generate(300, 0.5, 0, 1));
        }
    }

    private static String content(TaskCase c) {
        return c.isTokenLevel()
                ? java.util.Arrays.toString(c.promptIds())
                : c.prompt() + c.answers();
    }

    private static Object roundTrip(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }
}
