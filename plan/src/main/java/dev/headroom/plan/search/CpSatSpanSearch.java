package dev.headroom.plan.search;

import com.google.ortools.Loader;
import com.google.ortools.sat.CpModel;
import com.google.ortools.sat.CpSolver;
import com.google.ortools.sat.CpSolverStatus;
import com.google.ortools.sat.LinearExpr;
import com.google.ortools.sat.LinearExprBuilder;
import com.google.ortools.sat.Literal;

/**
 * Solves a {@link SpanSearchProblem} as a 0/1 integer program with OR-Tools' CP-SAT solver, under a
 * time limit.
 */
public final class CpSatSpanSearch {
    private static volatile boolean loaded;
    private final double timeLimitSeconds;
    private final int workers;

    public CpSatSpanSearch(double timeLimitSeconds, int workers) {
        this.timeLimitSeconds = timeLimitSeconds;
        this.workers = workers;
    }

    private static synchronized void loadNatives() {
        if (!loaded) {
            Loader.loadNativeLibraries();
            loaded = true;
        }
    }

    public SpanSolution solve(SpanSearchProblem p) {
        loadNatives();
        CpModel model = new CpModel();
        int hs = p.heads(), cs = p.candidates(), ns = p.lengths();
        Literal[][] x = new Literal[hs][cs];
        for (int h = 0; h < hs; h++) {
            for (int c = 0; c < cs; c++) x[h][c] = model.newBoolVar("x_" + h + "_" + c);
            model.addExactlyOne(x[h]);
        }
        for (int n = 0; n < p.budgetLengths(); n++) {
            LinearExprBuilder d = LinearExpr.newBuilder();
            for (int h = 0; h < hs; h++)
                for (int c = 0; c < cs; c++) d.addTerm(x[h][c], p.density()[h][c][n]);
            model.addLessOrEqual(d, p.densityCap()[n]);
        }
        if (p.maxPerLayer() < cs) {
            for (int l = 0; l < p.layers(); l++) {
                Literal[] used = new Literal[cs];
                for (int c = 0; c < cs; c++) used[c] = model.newBoolVar("y_" + l + "_" + c);
                for (int h = 0; h < hs; h++) {
                    if (p.layerOfHead()[h] != l) continue;
                    for (int c = 0; c < cs; c++) model.addImplication(x[h][c], used[c]);
                }
                model.addLessOrEqual(LinearExpr.sum(used), p.maxPerLayer());
            }
        }
        LinearExprBuilder obj = LinearExpr.newBuilder();
        for (int h = 0; h < hs; h++) {
            for (int c = 0; c < cs; c++) {
                long w = 0;
                for (int n = 0; n < ns; n++) w += p.weights()[n] * p.cost()[h][c][n];
                obj.addTerm(x[h][c], w);
            }
        }
        model.minimize(obj);
        CpSolver solver = new CpSolver();
        solver.getParameters()
                .setMaxTimeInSeconds(timeLimitSeconds)
                .setNumWorkers(workers)
                .setRandomSeed(1);
        CpSolverStatus status = solver.solve(model);
        if (status != CpSolverStatus.OPTIMAL && status != CpSolverStatus.FEASIBLE)
            return SpanSolution.INFEASIBLE;
        int[] choice = new int[hs];
        for (int h = 0; h < hs; h++)
            for (int c = 0; c < cs; c++) if (solver.booleanValue(x[h][c])) choice[h] = c;
        return new SpanSolution(choice, p.objective(choice), status == CpSolverStatus.OPTIMAL);
    }
}
