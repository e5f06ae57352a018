package dev.headroom.plan.search;

/**
 * The span-assignment problem MoA solves, per KV head: choose one candidate c for every head h so
 * that at every profiled length n the summed density stays within the cap, each layer uses at most
 * k distinct candidates, and the weighted predicted loss increase sum_h sum_n w_n cost[h][c][n] is
 * least. Integer coefficients, so solvers agree.
 *
 * @param layerOfHead [H] the layer each KV head belongs to
 * @param cost [H][C][N] predicted loss increase at each profiled length, scaled to integers
 * @param density [H][C][M] density at each budgeted length, scaled to integers (ceil)
 * @param densityCap [M] cap on the summed density over all heads (floor)
 * @param maxPerLayer k, the most distinct candidates in one layer (>= C means no limit)
 * @param weights [N] objective weight of each length
 */
public record SpanSearchProblem(
        int[] layerOfHead,
        long[][][] cost,
        long[][][] density,
        long[] densityCap,
        int maxPerLayer,
        long[] weights) {

    public int heads() {
        return layerOfHead.length;
    }

    public int candidates() {
        return cost[0].length;
    }

    /** Profiled lengths (objective terms). */
    public int lengths() {
        return weights.length;
    }

    /** Budgeted lengths (density constraints). */
    public int budgetLengths() {
        return densityCap.length;
    }

    public int layers() {
        int max = 0;
        for (int l : layerOfHead) max = Math.max(max, l + 1);
        return max;
    }

    public long objective(int[] choice) {
        long sum = 0;
        for (int h = 0; h < heads(); h++) {
            for (int n = 0; n < lengths(); n++) sum += weights[n] * cost[h][choice[h]][n];
        }
        return sum;
    }

    public boolean feasible(int[] choice) {
        for (int n = 0; n < budgetLengths(); n++) {
            long d = 0;
            for (int h = 0; h < heads(); h++) d += density[h][choice[h]][n];
            if (d > densityCap[n]) return false;
        }
        if (maxPerLayer < candidates()) {
            for (int l = 0; l < layers(); l++) {
                java.util.Set<Integer> used = new java.util.HashSet<>();
                for (int h = 0; h < heads(); h++) if (layerOfHead[h] == l) used.add(choice[h]);
                if (used.size() > maxPerLayer) return false;
            }
        }
        return true;
    }

    public SpanSearchProblem withWeights(long[] w) {
        return new SpanSearchProblem(layerOfHead, cost, density, densityCap, maxPerLayer, w);
    }
}
