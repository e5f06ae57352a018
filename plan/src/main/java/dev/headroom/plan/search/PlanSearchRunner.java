package dev.headroom.plan.search;

import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import dev.headroom.plan.profile.ProfileRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * From averaged profile rows to plans: MoA's Pareto front at the budget, each front plan validated by a loss the
 * caller measures (held-out data at a length longer than any profiled), the best one chosen; and the DuoAttention
 * plan at the same budget. Model-free: validation is a function handed in.
 */
public final class PlanSearchRunner {

    /** One plan of the Pareto front: its spans, predicted loss per profiled length, and held-out loss. */
    public record FrontEntry(int index, List<HeadSpan> heads, int[] lengths, double[] predictedLoss, double validationLoss,
                             boolean provenOptimal) {
    }

    /** The search's outcome: the chosen MoA plan, the whole front with its validation, and the duo plan. */
    public record Outcome(AttentionPlan moa, List<FrontEntry> front, int chosen, AttentionPlan duo) {
    }

    private final SearchSettings s;

    public PlanSearchRunner(SearchSettings settings) {
        this.s = settings;
    }

    /**
     * @param validationLoss loss of a candidate plan (as head spans) on held-out data; lower is better
     */
    public Outcome run(List<ProfileRow> rows, int layers, int kvHeads, String configHash,
                       ToDoubleFunction<List<HeadSpan>> validationLoss) {
        int[] lengths = rows.stream().mapToInt(ProfileRow::length).distinct().sorted().toArray();
        InfluenceTable influence = new InfluenceTable(s.block(), rows, s.retrievalWeight());
        List<SpanCandidate> grid = SpanSearch.moaGrid(s.alphaStep(), s.alphaMax(), s.betaSteps());
        SpanSearch search = new SpanSearch(layers, kvHeads, s.sink(), lengths, s.budgetLengths(), grid, influence);
        List<SpanSearch.Candidate> front = search.paretoFront(s.densityBudget(), s.maxSpansPerLayer(),
                new CpSatSpanSearch(s.timeLimitSeconds(), Math.max(1, Runtime.getRuntime().availableProcessors())));
        if (front.isEmpty()) {
            throw new dev.headroom.attention.HeadroomException("search: no plan meets density budget " + s.densityBudget()
                    + " at lengths " + Arrays.toString(s.budgetLengths()) + " with this candidate grid; raise the budget or widen the grid");
        }
        List<FrontEntry> report = new ArrayList<>();
        int best = -1;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (int i = 0; i < front.size(); i++) {
            SpanSearch.Candidate c = front.get(i);
            double loss = validationLoss.applyAsDouble(c.heads());
            report.add(new FrontEntry(i, c.heads(), lengths, c.predictedLoss(), loss, c.optimal()));
            if (loss < bestLoss) {
                bestLoss = loss;
                best = i;
            }
        }
        SpanSearch.Candidate chosen = front.get(best);
        Map<String, Object> predicted = new LinkedHashMap<>();
        predicted.put("loss_increase", toMap(lengths, chosen.predictedLoss()));
        predicted.put("density", toMap(s.budgetLengths(), chosen.density()));
        Map<String, Object> validation = new LinkedHashMap<>();
        validation.put("chosen_index", best);
        validation.put("loss", bestLoss);
        validation.put("front_size", front.size());
        predicted.put("retrieval_weight", s.retrievalWeight());
        AttentionPlan moa = new AttentionPlan("moa", configHash, s.densityBudget(), Arrays.stream(lengths).boxed().toList(),
                chosen.heads(), predicted, validation);
        return new Outcome(moa, report, best, duo(rows, layers, kvHeads, lengths, configHash, validationLoss));
    }

    /** Retrieval heads by retrieval score, as many as the budget allows at its tightest length. */
    private AttentionPlan duo(List<ProfileRow> rows, int layers, int kvHeads, int[] lengths, String configHash,
                              ToDoubleFunction<List<HeadSpan>> validationLoss) {
        double[][] score = new double[layers][kvHeads];
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (ProfileRow r : rows) {
            if (!r.metric().equals(ProfileRow.RETRIEVAL)) continue;
            double[] acc = sums.computeIfAbsent(r.layer() + "/" + r.head(), k -> new double[3]);
            acc[0] += r.value();
            acc[1]++;
            acc[2] = r.kvHead();
        }
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            int layer = Integer.parseInt(e.getKey().split("/")[0]);
            int kv = (int) e.getValue()[2];
            score[layer][kv] = Math.max(score[layer][kv], e.getValue()[0] / e.getValue()[1]); // max over the group
        }
        int total = layers * kvHeads, retrieval = total;
        for (int n : s.budgetLengths()) {
            retrieval = Math.min(retrieval, DuoSplit.retrievalHeadsForBudget(s.densityBudget(), n, s.sink(), s.duoStreamingWindow(), total));
        }
        retrieval = Math.max(0, retrieval);
        List<HeadSpan> heads = DuoSplit.split(score, retrieval, s.sink(), s.duoStreamingWindow());
        Map<String, Object> predicted = new LinkedHashMap<>();
        predicted.put("retrieval_heads", retrieval);
        double[] dens = new double[s.budgetLengths().length];
        for (int m = 0; m < dens.length; m++) {
            int n = s.budgetLengths()[m];
            dens[m] = heads.stream().mapToDouble(h -> SpanDensity.density(n, h.sink(), h.window(n))).average().orElse(1);
        }
        predicted.put("density", toMap(s.budgetLengths(), dens));
        Map<String, Object> validation = new LinkedHashMap<>();
        validation.put("loss", validationLoss.applyAsDouble(heads));
        return new AttentionPlan("duo", configHash, s.densityBudget(), Arrays.stream(lengths).boxed().toList(), heads, predicted, validation);
    }

    private static Map<String, Double> toMap(int[] lengths, double[] values) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < lengths.length; i++) m.put(String.valueOf(lengths[i]), values[i]);
        return m;
    }
}
