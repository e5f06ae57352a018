package dev.headroom.plan.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The solver's optimum equals brute-force enumeration on small random instances. */
class SpanSearchSolverTest {

    private static SpanSearchProblem random(
            Random r, int layers, int kvHeads, int candidates, int lengths, int k) {
        int hs = layers * kvHeads;
        int[] layerOf = new int[hs];
        long[][][] cost = new long[hs][candidates][lengths],
                dens = new long[hs][candidates][lengths];
        for (int h = 0; h < hs; h++) {
            layerOf[h] = h / kvHeads;
            for (int c = 0; c < candidates; c++) {
                for (int n = 0; n < lengths; n++) {
                    // denser candidates tend to cost less, as real spans do, with noise so
                    // instances vary
                    dens[h][c][n] = 100 + 900L * c / candidates + r.nextInt(50);
                    cost[h][c][n] =
                            (long)
                                    ((candidates - c)
                                            * (5 + r.nextInt(20))
                                            * (1 + n * r.nextDouble()));
                }
            }
        }
        long[] cap = new long[lengths], w = new long[lengths];
        for (int n = 0; n < lengths; n++) {
            cap[n] = (long) (hs * (300 + r.nextInt(500)));
            w[n] = 1 + r.nextInt(3);
        }
        return new SpanSearchProblem(layerOf, cost, dens, cap, k, w);
    }

    @Test
    void cpSatOptimumEqualsBruteForce() {
        Random r = new Random(7);
        CpSatSpanSearch solver = new CpSatSpanSearch(10, 1);
        int feasible = 0;
        for (int trial = 0; trial < 40; trial++) {
            int layers = 1 + r.nextInt(3),
                    kv = 1 + r.nextInt(2),
                    cands = 2 + r.nextInt(3),
                    lens = 1 + r.nextInt(3);
            int k = r.nextBoolean() ? cands : 1 + r.nextInt(cands);
            SpanSearchProblem p = random(r, layers, kv, cands, lens, k);
            SpanSolution brute = BruteForceSpanSearch.solve(p);
            SpanSolution sat = solver.solve(p);
            assertEquals(brute.feasible(), sat.feasible(), "feasibility, trial " + trial);
            if (!brute.feasible()) continue;
            feasible++;
            assertTrue(sat.optimal(), "proven optimal, trial " + trial);
            assertTrue(
                    p.feasible(sat.choice()),
                    "solver's choice satisfies the constraints, trial " + trial);
            assertEquals(brute.objective(), sat.objective(), "objective, trial " + trial);
        }
        assertTrue(feasible >= 20, "enough feasible instances to mean something: " + feasible);
    }

    @Test
    void perLayerLimitBinds() {
        // two heads in one layer; each prefers a different candidate, but k = 1 forces them to
        // share
        long[][][] cost = {{{0}, {10}}, {{10}, {0}}};
        long[][][] dens = {{{1}, {1}}, {{1}, {1}}};
        SpanSearchProblem free =
                new SpanSearchProblem(
                        new int[] {0, 0}, cost, dens, new long[] {10}, 2, new long[] {1});
        SpanSearchProblem limited =
                new SpanSearchProblem(
                        new int[] {0, 0}, cost, dens, new long[] {10}, 1, new long[] {1});
        CpSatSpanSearch solver = new CpSatSpanSearch(5, 1);
        assertEquals(0, solver.solve(free).objective());
        SpanSolution s = solver.solve(limited);
        assertEquals(10, s.objective());
        assertEquals(s.choice()[0], s.choice()[1]);
        assertFalse(limited.feasible(new int[] {0, 1}));
    }
}
