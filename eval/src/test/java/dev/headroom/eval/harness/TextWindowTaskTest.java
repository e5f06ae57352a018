package dev.headroom.eval.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.eval.task.CellCoordinate;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.TaskCase;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Windows of the kl probe, against hand-written expected ids. */
class TextWindowTaskTest {

    private static final int BOS = 1;

    @Test
    void aWindowIsTheBosThenTheTextFromItsStartAndNeverWraps() {
        int[] text = IntStream.rangeClosed(10, 19).toArray(); // 10 11 .. 19, one document
        TextWindowTask task = new TextWindowTask(text, new int[] {BOS}, BOS);
        assertEquals(1, task.documents());
        TaskCase c = task.generate(6, 0.0, 0, 0L);
        assertArrayEquals(new int[] {1, 10, 11, 12, 13, 14}, c.promptIds());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, c.targetPositions());
        assertArrayEquals(
                new int[] {10, 11, 12, 13, 14},
                c.expectedIds(),
                "position i scores the id at i + 1");
        assertTrue(c.scoring() instanceof Scoring.CompareToDense);
        // Longer than the text: the text once, after BOS, with no wrap back to its start.
        TaskCase all = task.generate(64, 1.0, 1, 0L);
        assertArrayEquals(new int[] {1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, all.promptIds());
        assertEquals(11, all.promptTokens());
    }

    @Test
    void depthAndSamplePickTheDocumentAWindowStartsAt() {
        // Three documents, each after a BOS id; a window runs on through the following ones.
        int[] text = {1, 20, 21, 22, 1, 30, 31, 1, 40, 41, 42, 43};
        TextWindowTask task = new TextWindowTask(text, new int[] {BOS}, BOS);
        assertEquals(3, task.documents());
        assertArrayEquals(new int[] {1, 20, 21, 22, 1}, task.generate(5, 0.0, 0, 0L).promptIds());
        assertArrayEquals(new int[] {1, 30, 31, 1, 40}, task.generate(5, 0.5, 0, 0L).promptIds());
        assertArrayEquals(new int[] {1, 40, 41, 42, 43}, task.generate(5, 1.0, 0, 0L).promptIds());
        assertArrayEquals(
                new int[] {1, 30, 31, 1, 40},
                task.generate(5, 0.0, 1, 0L).promptIds(),
                "next document");
        assertArrayEquals(
                new int[] {1, 20, 21, 22, 1},
                task.generate(5, 1.0, 1, 0L).promptIds(),
                "wraps over documents");
        // Without a prefix a window starts at the document's first id.
        assertArrayEquals(
                new int[] {30, 31, 1, 40},
                new TextWindowTask(text, new int[0], BOS).generate(4, 0.5, 0, 0L).promptIds());
    }

    @Test
    void coordinatesThatPickTheSameDocumentCountOnce() {
        List<Double> depths = List.of(0.0, 0.5, 1.0);
        TextWindowTask one =
                new TextWindowTask(IntStream.range(3, 500).toArray(), new int[] {BOS}, BOS);
        assertEquals(
                List.of(new CellCoordinate(0.0, 0)), one.distinctCoordinates(128, depths, 2, 7L));
        for (double d : depths) {
            for (int s = 0; s < 2; s++) {
                assertTrue(one.generate(128, d, s, 7L).sameCaseAs(one.generate(128, 0.0, 0, 7L)));
            }
        }
        TextWindowTask three =
                new TextWindowTask(
                        new int[] {1, 20, 21, 1, 30, 31, 1, 40, 41}, new int[] {BOS}, BOS);
        // documents: (0,0)->0 (0,1)->1 (0.5,0)->1 (0.5,1)->2 (1,0)->2 (1,1)->0
        assertEquals(
                List.of(
                        new CellCoordinate(0.0, 0),
                        new CellCoordinate(0.0, 1),
                        new CellCoordinate(0.5, 1)),
                three.distinctCoordinates(4, depths, 2, 7L));
    }

    @Test
    void tooShortWindowsAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new TextWindowTask(new int[] {5}, new int[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new TextWindowTask(new int[] {1, 1}, new int[0], 1));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new TextWindowTask(new int[] {5, 6, 7}, new int[] {BOS})
                                .generate(2, 0.0, 0, 0L));
    }
}
