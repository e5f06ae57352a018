package dev.headroom.plan.search;

/** Tries every assignment: the oracle for {@link CpSatSpanSearch} on small instances. */
public final class BruteForceSpanSearch {
    private BruteForceSpanSearch() {}

    public static SpanSolution solve(SpanSearchProblem p) {
        int hs = p.heads(), cs = p.candidates();
        int[] choice = new int[hs];
        int[] best = null;
        long bestObj = Long.MAX_VALUE;
        while (true) {
            if (p.feasible(choice)) {
                long o = p.objective(choice);
                if (o < bestObj) {
                    bestObj = o;
                    best = choice.clone();
                }
            }
            int h = 0;
            while (h < hs && ++choice[h] == cs) choice[h++] = 0;
            if (h == hs) break;
        }
        return best == null ? SpanSolution.INFEASIBLE : new SpanSolution(best, bestObj, true);
    }
}
