package dev.headroom.eval.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CopyTaskTest {

    @Test
    void secondCopyRepeatsTheFirstAndTargetsAreTheNextCopiedTokens() {
        CopyTask task = new CopyTask(IdSet.range(3, 512)).withPrefixIds(1);
        TaskCase c = task.generate(1025, 0.0, 0, 17);
        int[] ids = c.promptIds();
        assertEquals(1025, ids.length, "1 + 2 * 512");
        assertEquals(1, ids[0]);
        int n = 512;
        assertArrayEquals(
                Arrays.copyOfRange(ids, 1, 1 + n), Arrays.copyOfRange(ids, 1 + n, 1 + 2 * n));
        assertTrue(Arrays.stream(ids, 1, ids.length).allMatch(id -> id >= 3 && id < 512));
        assertEquals(n - 1, c.targetPositions().length);
        for (int j = 0; j < c.targetPositions().length; j++) {
            int pos = c.targetPositions()[j];
            assertEquals(ids[pos + 1], c.expectedIds()[j]);
            assertEquals(
                    ids[pos + 1 - n], c.expectedIds()[j], "the token copied from the first copy");
        }
        assertEquals(new NeedleSpan(1, 1 + n), c.needleSpans().get(0));
    }

    @Test
    void perfectCopierScoresOneAndEchoScoresLow() {
        TaskCase c = new CopyTask(IdSet.range(0, 64)).generate(200, 0.0, 1, 2);
        int[] ids = c.promptIds();
        int[] copier = new int[ids.length];
        for (int i = 0; i + 1 < ids.length; i++) {
            copier[i] = ids[i + 1];
        }
        assertEquals(1.0, c.scoreArgmax(copier));
        assertTrue(c.scoreArgmax(ids) < 0.2, "repeating the current token is not copying");
    }

    @Test
    void oddLengthsStayWithinTheTarget() {
        TaskCase c = new CopyTask(IdSet.of(5, 6, 7)).generate(11, 0.0, 0, 1);
        assertEquals(10, c.promptIds().length);
    }
}
