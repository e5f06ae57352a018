package dev.headroom.plan.search;

/**
 * A solver's answer: the candidate per KV head, its objective, and whether it is proven optimal.
 */
public record SpanSolution(int[] choice, long objective, boolean optimal) {
    public static final SpanSolution INFEASIBLE = new SpanSolution(null, Long.MAX_VALUE, true);

    public boolean feasible() {
        return choice != null;
    }
}
