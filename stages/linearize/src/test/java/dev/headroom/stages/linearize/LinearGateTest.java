package dev.headroom.stages.linearize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The held-out KL gate's arithmetic and its greedy choice, on hand-computed cases. */
class LinearGateTest {
    @Test
    void klOfHandComputedDistributions() {
        // p = softmax(0, ln 3) = (1/4, 3/4); q = softmax(0, 0) = (1/2, 1/2)
        float[][] dense = {{0f, (float) Math.log(3)}, {1f, 1f}};
        float[][] method = {{0f, 0f}, {5f, 5f}};
        double row0 = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
        assertEquals(row0 / 2, LinearGate.meanKl(dense, method), 1e-6);
        assertEquals(0, LinearGate.meanKl(dense, dense), 1e-12);
    }

    @Test
    void aHeadKeepsItsLinearPartOnlyWhereItLowersTheKl() {
        // head 0's linear part helps (KL 0.1 lower with it), head 1's hurts (0.3 higher); head 2
        // is not chosen; the measure must never be asked about head 2's linear part
        double[] effect = {-0.1, 0.3, 0};
        List<boolean[]> asked = new ArrayList<>();
        LinearGate.Measure m =
                on -> {
                    asked.add(on.clone());
                    double kl = 1;
                    for (int h = 0; h < on.length; h++) if (on[h]) kl += effect[h];
                    return kl;
                };
        List<LinearGate.Decision> d = LinearGate.decide(5, new boolean[] {true, true, false}, m);
        assertEquals(2, d.size());
        assertTrue(d.get(0).linearPart());
        assertEquals(1.2, d.get(0).klLinear(), 1e-12);
        assertEquals(1.3, d.get(0).klWindow(), 1e-12);
        assertFalse(d.get(1).linearPart());
        assertEquals(1.2, d.get(1).klLinear(), 1e-12);
        assertEquals(0.9, d.get(1).klWindow(), 1e-12);
        for (boolean[] on : asked) assertFalse(on[2]);
        assertEquals(5, d.get(1).layer());
    }

    @Test
    void aTieKeepsTheLinearPart() {
        List<LinearGate.Decision> d = LinearGate.decide(0, new boolean[] {true}, on -> 0.5);
        assertTrue(d.get(0).linearPart());
    }
}
