package dev.headroom.plan.search;

import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One (span, bits) per KV head under one KV-memory budget: every head picks a span candidate of the
 * grid and a width (16 = bf16, or KIVI codes of the measured widths). The predicted loss of a
 * choice adds the profiled span loss (MoA's dropped influence, at each profiled length) and the
 * measured answer-loss sensitivity of the width; its cost is the exact bytes its cache holds at
 * each budgeted length, counted by the format ({@link KvFormat#bytes(HeadPattern, int, int)}), the
 * same count the caches report. The integer program is a {@link SpanSearchProblem} whose candidates
 * are the (span, width) pairs and whose capped quantity is bytes instead of density.
 */
public final class JointSpanBitsSearch {
    private static final double COST_SCALE = 1e9;

    /**
     * A plan of the joint front: spans, widths, predicted loss per length, bytes per budget length.
     */
    public record Candidate(
            List<HeadSpan> heads,
            KvQuantization quantization,
            double[] predictedLoss,
            long[] bytes,
            boolean optimal) {}

    private final int layers, kvHeads, headDim, sink;
    private final int[] lengths, budgetLengths, widths;
    private final List<SpanCandidate> grid;
    private final InfluenceTable influence;
    private final double[][] sensitivity; // [head][width index]
    private final KvQuantization shared; // group, residual and sink of every quantized head

    /**
     * @param widths the widths a head may take, 16 included for bf16
     * @param sensitivity [layer * kvHeads + kvHead][i] the loss increase at widths[i] (0 at 16)
     * @param shared the KIVI group, residual and sink (its bits list is ignored)
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
            int[] widths,
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
        this.widths = widths.clone();
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

    /** Bytes of head h's cache with span c at width w after n tokens. */
    public long bytes(SpanCandidate c, int width, int n) {
        KvFormat f = dev.headroom.attention.policy.KvFormats.of(shared, width);
        return f.bytes(HeadPattern.of(span(0, c), n), n, headDim);
    }

    /** Dense bf16 bytes of all heads at length n: the reference a budget fraction is taken of. */
    public long denseBytes(int n) {
        return heads() * KvQuantization.FULL_PRECISION_BYTES_PER_ELEMENT * 2L * n * headDim;
    }

    /** Real-valued span loss at length index i plus the width's sensitivity. */
    private double cost(int h, int c, int w, int i) {
        int window = grid.get(c).window(lengths[i]);
        return influence.droppedInfluence(h / kvHeads, h % kvHeads, lengths[i], window)
                + sensitivity[h][w];
    }

    /**
     * The integer program: candidates are c * widths + w; {@code byteCap[m]} caps the summed bytes
     * at budgetLengths[m]; {@code allowed[w]} turns widths off (all but 16 for a spans-only plan);
     * heads marked in pinnedFull keep a full span.
     */
    public SpanSearchProblem problem(
            long[] byteCap, int maxPerLayer, boolean[] pinnedFull, boolean[] allowed) {
        int hs = heads(), cs = grid.size() * widths.length, ns = lengths.length;
        double max = 1e-30;
        for (int h = 0; h < hs; h++)
            for (int c = 0; c < grid.size(); c++)
                for (int w = 0; w < widths.length; w++)
                    for (int i = 0; i < ns; i++) max = Math.max(max, cost(h, c, w, i));
        long[][][] cost = new long[hs][cs][ns];
        long[][][] bytes = new long[hs][cs][budgetLengths.length];
        int[] layerOf = new int[hs];
        for (int h = 0; h < hs; h++) {
            layerOf[h] = h / kvHeads;
            for (int c = 0; c < grid.size(); c++)
                for (int w = 0; w < widths.length; w++) {
                    int k = c * widths.length + w;
                    boolean off = !allowed[w] || (pinnedFull[h] && !grid.get(c).isFull());
                    for (int i = 0; i < ns; i++)
                        cost[h][k][i] =
                                Math.round(Math.max(0, cost(h, c, w, i)) / max * COST_SCALE);
                    for (int m = 0; m < budgetLengths.length; m++)
                        bytes[h][k][m] =
                                off
                                        ? byteCap[m] + 1 // never fits
                                        : bytes(grid.get(c), widths[w], budgetLengths[m]);
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

    /** A solution's plan: spans, widths, predicted loss and bytes. */
    public Candidate toCandidate(SpanSolution s) {
        List<HeadSpan> heads = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        double[] loss = new double[lengths.length];
        long[] bytes = new long[budgetLengths.length];
        for (int h = 0; h < s.choice().length; h++) {
            int c = s.choice()[h] / widths.length, w = s.choice()[h] % widths.length;
            heads.add(span(h, grid.get(c)));
            bits.add(widths[w]);
            for (int i = 0; i < lengths.length; i++) loss[i] += cost(h, c, w, i);
            for (int m = 0; m < budgetLengths.length; m++)
                bytes[m] += bytes(grid.get(c), widths[w], budgetLengths[m]);
        }
        return new Candidate(heads, shared.withBits(bits), loss, bytes, s.optimal());
    }
}
