package dev.headroom.plan.search;

import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MoA's search, per KV head: builds the integer program from profiled influence and the candidate
 * grid, solves it once per objective weighting (each profiled length first, then all lengths
 * equally), and keeps the Pareto set of plans over the per-length predicted losses.
 */
public final class SpanSearch {
    private static final double COST_SCALE = 1e9; // largest cost maps to 1e9
    private static final double DENSITY_SCALE = 1e6;

    /**
     * A plan on the Pareto front: spans per head, predicted loss per profiled length, density per
     * budgeted length.
     */
    public record Candidate(
            List<HeadSpan> heads, double[] predictedLoss, double[] density, boolean optimal) {}

    private final int layers;
    private final int kvHeads;
    private final int sink;
    private final int[] lengths; // profiled: the objective
    private final int[] budgetLengths; // where the density budget applies
    private final List<SpanCandidate> grid;
    private final InfluenceTable influence;

    public SpanSearch(
            int layers,
            int kvHeads,
            int sink,
            int[] lengths,
            int[] budgetLengths,
            List<SpanCandidate> grid,
            InfluenceTable influence) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.sink = sink;
        this.lengths = lengths.clone();
        this.budgetLengths = budgetLengths.clone();
        this.grid = List.copyOf(grid);
        this.influence = influence;
    }

    /**
     * The integer program at a density budget (mean over heads, at every budgeted length) with
     * equal weights.
     */
    public SpanSearchProblem problem(double densityBudget, int maxPerLayer) {
        return problem(densityBudget, maxPerLayer, new boolean[layers * kvHeads]);
    }

    /** As above, with the heads marked in {@code pinnedFull} held at full attention. */
    public SpanSearchProblem problem(double densityBudget, int maxPerLayer, boolean[] pinnedFull) {
        int hs = layers * kvHeads, cs = grid.size(), ns = lengths.length;
        double[][][] cost = new double[hs][cs][ns];
        long[][][] dens = new long[hs][cs][budgetLengths.length];
        double maxCost = 1e-30;
        int[] layerOf = new int[hs];
        for (int h = 0; h < hs; h++) {
            layerOf[h] = h / kvHeads;
            for (int c = 0; c < cs; c++) {
                for (int n = 0; n < ns; n++) {
                    int w = grid.get(c).window(lengths[n]);
                    cost[h][c][n] =
                            influence.droppedInfluence(h / kvHeads, h % kvHeads, lengths[n], w);
                    maxCost = Math.max(maxCost, cost[h][c][n]);
                }
                for (int m = 0; m < budgetLengths.length; m++) {
                    int w = grid.get(c).window(budgetLengths[m]);
                    dens[h][c][m] =
                            (long)
                                    Math.ceil(
                                            SpanDensity.density(budgetLengths[m], sink, w)
                                                    * DENSITY_SCALE);
                }
            }
        }
        long[][][] icost = new long[hs][cs][ns];
        for (int h = 0; h < hs; h++)
            for (int c = 0; c < cs; c++)
                for (int n = 0; n < ns; n++) {
                    icost[h][c][n] = Math.round(cost[h][c][n] / maxCost * COST_SCALE);
                }
        long[] cap = new long[budgetLengths.length];
        Arrays.fill(cap, (long) Math.floor(densityBudget * DENSITY_SCALE * hs));
        for (int h = 0; h < hs; h++) {
            if (!pinnedFull[h]) continue;
            for (int c = 0; c < cs; c++) {
                if (grid.get(c).isFull()) continue;
                for (int m = 0; m < budgetLengths.length; m++)
                    dens[h][c][m] = cap[m] + 1; // never fits: the head stays full
            }
        }
        long[] w = new long[ns];
        Arrays.fill(w, 1);
        return new SpanSearchProblem(layerOf, icost, dens, cap, maxPerLayer, w);
    }

    /** The Pareto set of plans at this budget, best first by the summed predicted loss. */
    public List<Candidate> paretoFront(
            double densityBudget, int maxPerLayer, CpSatSpanSearch solver) {
        return paretoFront(densityBudget, maxPerLayer, solver, new boolean[layers * kvHeads]);
    }

    /**
     * The Pareto set with some heads held at full attention (the hybrid plan's retrieval heads).
     */
    public List<Candidate> paretoFront(
            double densityBudget, int maxPerLayer, CpSatSpanSearch solver, boolean[] pinnedFull) {
        SpanSearchProblem base = problem(densityBudget, maxPerLayer, pinnedFull);
        Map<String, Candidate> found = new LinkedHashMap<>();
        for (long[] w : weightings(lengths.length)) {
            SpanSolution s = solver.solve(base.withWeights(w));
            if (!s.feasible()) continue;
            found.putIfAbsent(Arrays.toString(s.choice()), toCandidate(s));
        }
        List<Candidate> front = new ArrayList<>();
        for (Candidate c : found.values()) {
            boolean dominated =
                    found.values().stream()
                            .anyMatch(
                                    o -> o != c && dominates(o.predictedLoss(), c.predictedLoss()));
            if (!dominated) front.add(c);
        }
        front.sort(
                (a, b) ->
                        Double.compare(
                                Arrays.stream(a.predictedLoss()).sum(),
                                Arrays.stream(b.predictedLoss()).sum()));
        return front;
    }

    /** The objective weightings of a front: each profiled length first, then all equally. */
    static List<long[]> weightings(int lengths) {
        List<long[]> weightings = new ArrayList<>();
        for (int n = 0; n < lengths; n++) {
            long[] w = new long[lengths];
            Arrays.fill(w, 1);
            w[n] = 1000; // this length first, the others break ties
            weightings.add(w);
        }
        long[] equal = new long[lengths];
        Arrays.fill(equal, 1);
        weightings.add(equal);
        return weightings;
    }

    private Candidate toCandidate(SpanSolution s) {
        List<HeadSpan> heads = new ArrayList<>();
        double[] loss = new double[lengths.length], dens = new double[budgetLengths.length];
        for (int h = 0; h < s.choice().length; h++) {
            SpanCandidate c = grid.get(s.choice()[h]);
            HeadSpan span =
                    new HeadSpan(
                            h / kvHeads,
                            h % kvHeads,
                            c.isFull() ? "full" : "window",
                            sink,
                            c.alpha(),
                            Math.min(1.0, c.beta()));
            heads.add(span);
            for (int n = 0; n < lengths.length; n++) {
                loss[n] +=
                        influence.droppedInfluence(
                                h / kvHeads, h % kvHeads, lengths[n], c.window(lengths[n]));
            }
            for (int m = 0; m < budgetLengths.length; m++)
                dens[m] += span.density(budgetLengths[m]) / s.choice().length;
        }
        return new Candidate(heads, loss, dens, s.optimal());
    }

    static boolean dominates(double[] a, double[] b) {
        boolean strictly = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > b[i] + 1e-12) return false;
            if (a[i] < b[i] - 1e-12) strictly = true;
        }
        return strictly;
    }

    /**
     * MoA's grid: alpha in steps of {@code alphaStep} up to {@code alphaMax}, beta in {0, 1/8, ...,
     * 1}.
     */
    public static List<SpanCandidate> moaGrid(int alphaStep, int alphaMax, int betaSteps) {
        List<SpanCandidate> g = new ArrayList<>();
        for (int a = alphaStep; a <= alphaMax; a += alphaStep) {
            for (int b = 0; b < betaSteps; b++) g.add(new SpanCandidate(a, (double) b / betaSteps));
        }
        g.add(new SpanCandidate(0, 1.0));
        return g;
    }
}
