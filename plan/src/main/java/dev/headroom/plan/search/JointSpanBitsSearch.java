package dev.headroom.plan.search;

import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.attention.policy.KvFormats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One (span, bits) per KV head under one KV-memory budget: every head picks a span candidate of the
 * grid and a storage scheme (bf16, or one of the measured KIVI schemes: key and value widths, group
 * and residual, {@link KvScheme}). The predicted loss of a choice adds the profiled span loss
 * (MoA's dropped influence, at each profiled length) and the measured answer-loss sensitivity of
 * the scheme; its cost is the exact bytes its cache holds at each budgeted length, counted by the
 * format ({@link KvFormat#bytes(HeadPattern, int, int)}), the same count the caches report. The
 * integer program is a {@link SpanSearchProblem} whose candidates are the (span, scheme) pairs and
 * whose capped quantity is bytes instead of density.
 */
public final class JointSpanBitsSearch {
    private static final double COST_SCALE = 1e9;

    /**
     * A plan of the joint front: spans, schemes, predicted loss per length, bytes per budget
     * length.
     */
    public record Candidate(
            List<HeadSpan> heads,
            KvQuantization quantization,
            double[] predictedLoss,
            long[] bytes,
            boolean optimal) {}

    private final int layers, kvHeads, headDim, sink;
    private final int[] lengths, budgetLengths;
    private final List<KvScheme> schemes;
    private final List<SpanCandidate> grid;
    private final InfluenceTable influence;
    private final double[][] sensitivity; // [head][scheme index]
    private final KvQuantization shared; // sink and key basis of every quantized head

    /**
     * @param schemes the schemes a head may take, bf16 included
     * @param sensitivity [layer * kvHeads + kvHead][i] the loss increase in schemes[i] (0 in bf16)
     * @param shared the KIVI sink and key basis (its schemes are ignored)
     */
    public JointSpanBitsSearch(
            int layers,
            int kvHeads,
            int headDim,
            int sink,
            int[] lengths,
            int[] budgetLengths,
            List<SpanCandidate> grid,
            InfluenceTable influence,
            List<KvScheme> schemes,
            double[][] sensitivity,
            KvQuantization shared) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.sink = sink;
        this.lengths = lengths.clone();
        this.budgetLengths = budgetLengths.clone();
        this.grid = List.copyOf(grid);
        this.influence = influence;
        this.schemes = List.copyOf(schemes);
        this.sensitivity = sensitivity;
        this.shared = shared;
    }

    private int heads() {
        return layers * kvHeads;
    }

    private HeadSpan span(int h, SpanCandidate c) {
        return new HeadSpan(
                h / kvHeads,
                h % kvHeads,
                c.isFull() ? "full" : "window",
                sink,
                c.alpha(),
                Math.min(1.0, c.beta()));
    }

    /** Bytes of a head's cache with span c in a scheme after n tokens. */
    public long bytes(SpanCandidate c, KvScheme scheme, int n) {
        KvFormat f = KvFormats.of(shared, scheme);
        return f.bytes(HeadPattern.of(span(0, c), n), n, headDim);
    }

    /** Dense bf16 bytes of all heads at length n: the reference a budget fraction is taken of. */
    public long denseBytes(int n) {
        return heads() * KvQuantization.FULL_PRECISION_BYTES_PER_ELEMENT * 2L * n * headDim;
    }

    /** Real-valued span loss at length index i plus the scheme's sensitivity. */
    private double cost(int h, int c, int w, int i) {
        int window = grid.get(c).window(lengths[i]);
        return influence.droppedInfluence(h / kvHeads, h % kvHeads, lengths[i], window)
                + sensitivity[h][w];
    }

    /**
     * The integer program: candidates are c * schemes + w; {@code byteCap[m]} caps the summed bytes
     * at budgetLengths[m]; {@code allowed[w]} turns schemes off (all but bf16 for a spans-only
     * plan); heads marked in pinnedFull keep a full span.
     */
    public SpanSearchProblem problem(
            long[] byteCap, int maxPerLayer, boolean[] pinnedFull, boolean[] allowed) {
        int hs = heads(), cs = grid.size() * schemes.size(), ns = lengths.length;
        double max = 1e-30;
        for (int h = 0; h < hs; h++)
            for (int c = 0; c < grid.size(); c++)
                for (int w = 0; w < schemes.size(); w++)
                    for (int i = 0; i < ns; i++) max = Math.max(max, cost(h, c, w, i));
        long[][][] cost = new long[hs][cs][ns];
        long[][][] bytes = new long[hs][cs][budgetLengths.length];
        int[] layerOf = new int[hs];
        for (int h = 0; h < hs; h++) {
            layerOf[h] = h / kvHeads;
            for (int c = 0; c < grid.size(); c++)
                for (int w = 0; w < schemes.size(); w++) {
                    int k = c * schemes.size() + w;
                    boolean off = !allowed[w] || (pinnedFull[h] && !grid.get(c).isFull());
                    for (int i = 0; i < ns; i++)
                        cost[h][k][i] =
                                Math.round(Math.max(0, cost(h, c, w, i)) / max * COST_SCALE);
                    for (int m = 0; m < budgetLengths.length; m++)
                        bytes[h][k][m] =
                                off
                                        ? byteCap[m] + 1 // never fits
                                        : bytes(grid.get(c), schemes.get(w), budgetLengths[m]);
                }
        }
        long[] weights = new long[ns];
        Arrays.fill(weights, 1);
        return new SpanSearchProblem(layerOf, cost, bytes, byteCap.clone(), maxPerLayer, weights);
    }

    /**
     * The Pareto front over the per-length predicted losses at a byte cap: one solve per weighting
     * (each profiled length first, then all equally), dominated plans dropped, best first by the
     * summed predicted loss.
     */
    public List<Candidate> paretoFront(
            long[] byteCap,
            int maxPerLayer,
            CpSatSpanSearch solver,
            boolean[] pinnedFull,
            boolean[] allowed) {
        SpanSearchProblem base = problem(byteCap, maxPerLayer, pinnedFull, allowed);
        Map<String, Candidate> found = new LinkedHashMap<>();
        for (long[] w : SpanSearch.weightings(lengths.length)) {
            SpanSolution s = solver.solve(base.withWeights(w));
            if (!s.feasible()) continue;
            found.putIfAbsent(Arrays.toString(s.choice()), toCandidate(s));
        }
        List<Candidate> front = new ArrayList<>();
        for (Candidate c : found.values()) {
            boolean dominated =
                    found.values().stream()
                            .anyMatch(
                                    o ->
                                            o != c
                                                    && SpanSearch.dominates(
                                                            o.predictedLoss(), c.predictedLoss()));
            if (!dominated) front.add(c);
        }
        front.sort(
                (a, b) ->
                        Double.compare(
                                Arrays.stream(a.predictedLoss()).sum(),
                                Arrays.stream(b.predictedLoss()).sum()));
        return front;
    }

    /** A solution's plan: spans, schemes, predicted loss and bytes. */
    public Candidate toCandidate(SpanSolution s) {
        List<HeadSpan> heads = new ArrayList<>();
        List<KvScheme> chosen = new ArrayList<>();
        double[] loss = new double[lengths.length];
        long[] bytes = new long[budgetLengths.length];
        for (int h = 0; h < s.choice().length; h++) {
            int c = s.choice()[h] / schemes.size(), w = s.choice()[h] % schemes.size();
            heads.add(span(h, grid.get(c)));
            chosen.add(schemes.get(w));
            for (int i = 0; i < lengths.length; i++) loss[i] += cost(h, c, w, i);
            for (int m = 0; m < budgetLengths.length; m++)
                bytes[m] += bytes(grid.get(c), schemes.get(w), budgetLengths[m]);
        }
        return new Candidate(heads, shared.withSchemes(chosen), loss, bytes, s.optimal());
    }
}
