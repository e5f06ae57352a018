package dev.headroom.plan.search;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import dev.headroom.plan.profile.ProfileRow;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * From averaged profile rows to plans, all at one density budget:
 *
 * <ul>
 *   <li><b>duo</b>: DuoAttention's split, the KV heads with the highest retrieval scores at full
 *       cache, as many as the budget allows next to streaming heads (sink + a fixed recent window);
 *   <li><b>moa</b>: MoA's Pareto front of elastic spans S(N) = alpha + beta N for every KV head;
 *   <li><b>hybrid</b>: duo's retrieval heads held at full attention, and MoA's search spending the
 *       rest of the budget on elastic spans for the other heads instead of one fixed window.
 * </ul>
 *
 * Every front plan (moa and hybrid) is validated by a loss the caller measures on held-out data at
 * a length longer than any profiled; the lowest becomes the chosen plan. Model-free: validation is
 * a function handed in ({@link #run}), or done by the caller between {@link #candidates} and {@link
 * #choose} (the search stage validates in a pipeline).
 */
public final class PlanSearchRunner {

    /**
     * One validated plan of a front: its method, spans, predicted loss per profiled length, and
     * held-out loss.
     */
    public record FrontEntry(
            int index,
            String method,
            List<HeadSpan> heads,
            int[] lengths,
            double[] predictedLoss,
            double validationLoss,
            boolean provenOptimal)
            implements Serializable {}

    /**
     * The chosen plan (moa or hybrid), every validated front plan, the chosen one's index, and the
     * duo plan.
     */
    public record Outcome(
            AttentionPlan chosen, List<FrontEntry> front, int chosenIndex, AttentionPlan duo)
            implements Serializable {}

    private final SearchSettings s;

    public PlanSearchRunner(SearchSettings settings) {
        this.s = settings;
    }

    /** A front plan before validation: its method, spans and predicted loss per profiled length. */
    public record Candidate(
            String method, List<HeadSpan> heads, double[] predictedLoss, boolean provenOptimal)
            implements Serializable {}

    /**
     * Everything to validate, in front order (moa first, then hybrid; a candidate's position is its
     * front index), the profiled lengths, and the duo plan's spans (validated too, for its record).
     */
    public record Candidates(int[] lengths, List<Candidate> front, List<HeadSpan> duoHeads)
            implements Serializable {}

    /**
     * @param validationLoss loss of a candidate plan (as head spans) on held-out data; lower is
     *     better
     */
    public Outcome run(
            List<ProfileRow> rows,
            int layers,
            int kvHeads,
            String configHash,
            ToDoubleFunction<List<HeadSpan>> validationLoss) {
        Candidates c = candidates(rows, layers, kvHeads);
        double[] losses =
                c.front().stream()
                        .mapToDouble(e -> validationLoss.applyAsDouble(e.heads()))
                        .toArray();
        return choose(c, configHash, losses, validationLoss.applyAsDouble(c.duoHeads()));
    }

    /**
     * The moa and hybrid Pareto fronts and the duo split, unvalidated: the first half of {@link
     * #run}.
     */
    public Candidates candidates(List<ProfileRow> rows, int layers, int kvHeads) {
        int[] lengths = rows.stream().mapToInt(ProfileRow::length).distinct().sorted().toArray();
        InfluenceTable influence = new InfluenceTable(s.block(), rows, s.retrievalWeight());
        List<SpanCandidate> grid = SpanSearch.moaGrid(s.alphaStep(), s.alphaMax(), s.betaSteps());
        SpanSearch search =
                new SpanSearch(
                        layers, kvHeads, s.sink(), lengths, s.budgetLengths(), grid, influence);
        CpSatSpanSearch solver =
                new CpSatSpanSearch(
                        s.timeLimitSeconds(),
                        Math.max(1, Runtime.getRuntime().availableProcessors()));

        List<HeadSpan> duoHeads = duoHeads(rows, layers, kvHeads);
        boolean[] retrieval = new boolean[layers * kvHeads];
        for (HeadSpan h : duoHeads)
            retrieval[h.layer() * kvHeads + h.kvHead()] = h.kind().equals("retrieval");

        List<Candidate> front = new ArrayList<>();
        add("moa", search.paretoFront(s.densityBudget(), s.maxSpansPerLayer(), solver), front);
        boolean anyRetrieval = false;
        for (boolean r : retrieval) anyRetrieval |= r;
        if (anyRetrieval) {
            add(
                    "hybrid",
                    search.paretoFront(s.densityBudget(), s.maxSpansPerLayer(), solver, retrieval),
                    front);
        }
        if (front.isEmpty()) {
            throw new HeadroomException(
                    "search: no plan meets density budget "
                            + s.densityBudget()
                            + " at lengths "
                            + Arrays.toString(s.budgetLengths())
                            + " with this candidate grid; raise the budget or widen the grid");
        }
        return new Candidates(lengths, List.copyOf(front), duoHeads);
    }

    /**
     * The second half of {@link #run}: given each front candidate's held-out loss ({@code
     * frontLosses[i]} for {@code candidates.front().get(i)}) and the duo plan's, the lowest loss is
     * chosen (the first on a tie).
     */
    public Outcome choose(
            Candidates candidates, String configHash, double[] frontLosses, double duoLoss) {
        if (frontLosses.length != candidates.front().size()) {
            throw new IllegalArgumentException(
                    frontLosses.length
                            + " losses for "
                            + candidates.front().size()
                            + " candidates");
        }
        int[] lengths = candidates.lengths();
        List<FrontEntry> front = new ArrayList<>();
        for (Candidate c : candidates.front()) {
            front.add(
                    new FrontEntry(
                            front.size(),
                            c.method(),
                            c.heads(),
                            lengths,
                            c.predictedLoss(),
                            frontLosses[front.size()],
                            c.provenOptimal()));
        }
        int best = 0;
        for (int i = 1; i < front.size(); i++)
            if (front.get(i).validationLoss() < front.get(best).validationLoss()) best = i;
        FrontEntry chosen = front.get(best);
        Map<String, Object> predicted = new LinkedHashMap<>();
        predicted.put("loss_increase", toMap(lengths, chosen.predictedLoss()));
        predicted.put("density", toMap(s.budgetLengths(), densities(chosen.heads())));
        predicted.put("retrieval_weight", s.retrievalWeight());
        Map<String, Object> validation = new LinkedHashMap<>();
        validation.put("chosen_index", best);
        validation.put("loss", chosen.validationLoss());
        validation.put("front_size", front.size());
        for (String m : List.of("moa", "hybrid")) {
            front.stream()
                    .filter(e -> e.method().equals(m))
                    .mapToDouble(FrontEntry::validationLoss)
                    .min()
                    .ifPresent(v -> validation.put("best_" + m + "_loss", v));
        }
        AttentionPlan plan =
                new AttentionPlan(
                        chosen.method(),
                        configHash,
                        s.densityBudget(),
                        Arrays.stream(lengths).boxed().toList(),
                        chosen.heads(),
                        predicted,
                        validation);

        List<HeadSpan> duoHeads = candidates.duoHeads();
        Map<String, Object> duoPredicted = new LinkedHashMap<>();
        duoPredicted.put(
                "retrieval_heads",
                duoHeads.stream().filter(h -> h.kind().equals("retrieval")).count());
        duoPredicted.put("density", toMap(s.budgetLengths(), densities(duoHeads)));
        Map<String, Object> duoValidation = new LinkedHashMap<>();
        duoValidation.put("loss", duoLoss);
        AttentionPlan duo =
                new AttentionPlan(
                        "duo",
                        configHash,
                        s.densityBudget(),
                        Arrays.stream(lengths).boxed().toList(),
                        duoHeads,
                        duoPredicted,
                        duoValidation);
        return new Outcome(plan, front, best, duo);
    }

    private static void add(
            String method, List<SpanSearch.Candidate> candidates, List<Candidate> out) {
        for (SpanSearch.Candidate c : candidates)
            out.add(new Candidate(method, c.heads(), c.predictedLoss(), c.optimal()));
    }

    private double[] densities(List<HeadSpan> heads) {
        double[] d = new double[s.budgetLengths().length];
        for (int m = 0; m < d.length; m++) {
            int n = s.budgetLengths()[m];
            d[m] =
                    heads.stream()
                            .mapToDouble(h -> SpanDensity.density(n, h.sink(), h.window(n)))
                            .average()
                            .orElse(1);
        }
        return d;
    }

    /**
     * Retrieval heads by retrieval score (the best of each KV head's query heads), as many as the
     * budget allows.
     */
    private List<HeadSpan> duoHeads(List<ProfileRow> rows, int layers, int kvHeads) {
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
            score[layer][kv] = Math.max(score[layer][kv], e.getValue()[0] / e.getValue()[1]);
        }
        int total = layers * kvHeads, retrieval = total;
        for (int n : s.budgetLengths()) {
            retrieval =
                    Math.min(
                            retrieval,
                            DuoSplit.retrievalHeadsForBudget(
                                    s.densityBudget(), n, s.sink(), s.duoStreamingWindow(), total));
        }
        return DuoSplit.split(score, Math.max(0, retrieval), s.sink(), s.duoStreamingWindow());
    }

    private static Map<String, Double> toMap(int[] lengths, double[] values) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < lengths.length; i++) m.put(String.valueOf(lengths[i]), values[i]);
        return m;
    }
}
