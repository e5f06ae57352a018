package dev.headroom.stages.search;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.plan.search.CpSatSpanSearch;
import dev.headroom.plan.search.InfluenceTable;
import dev.headroom.plan.search.JointSpanBitsSearch;
import dev.headroom.plan.search.SearchSettings;
import dev.headroom.plan.search.SpanSearch;
import dev.headroom.stages.shared.KvQuantArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The search under a KV byte budget: the joint front, where every KV head picks a span and a width
 * (bf16 or the schemes quantize_kv measured: widths, split key/value widths, groups, residuals),
 * and the spans-only front at the same byte cap, each also with duo's retrieval heads pinned to
 * full spans. All are validated with the density plans; the best validated of each becomes {@code
 * artifacts/kv_plan.json} and {@code artifacts/spans_same_bytes_plan.json}.
 */
final class KvPlans implements Serializable {
    static final String KV_PLAN_FILE = "kv_plan.json",
            SPANS_SAME_BYTES_FILE = "spans_same_bytes_plan.json";

    /** One front plan: its method, spans, schemes, predicted loss per profiled length and bytes. */
    record Entry(
            String method,
            boolean spansOnly,
            List<HeadSpan> heads,
            KvQuantization quantization,
            double[] predictedLoss,
            long[] bytes,
            boolean optimal)
            implements Serializable {}

    final List<Entry> entries;
    final int[] lengths, budgetLengths;
    final long[] byteCap, denseBytes;

    private KvPlans(
            List<Entry> entries, int[] lengths, int[] budgetLengths, long[] cap, long[] dense) {
        this.entries = List.copyOf(entries);
        this.lengths = lengths;
        this.budgetLengths = budgetLengths;
        this.byteCap = cap;
        this.denseBytes = dense;
    }

    /**
     * @param retrievalHeads [layer * kvHeads + kvHead] duo's retrieval heads, pinned full in the
     *     hybrid variants
     */
    static KvPlans search(
            SearchSettings s,
            SearchParams p,
            List<ProfileRow> rows,
            KvQuantArtifact quant,
            ModelConfig cfg,
            boolean[] retrievalHeads) {
        int[] lengths = rows.stream().mapToInt(ProfileRow::length).distinct().sorted().toArray();
        int hs = cfg.numLayers() * cfg.numKvHeads();
        List<KvScheme> schemes = new ArrayList<>();
        schemes.add(KvScheme.BF16);
        schemes.addAll(quant.measuredSchemes());
        double[][] sens = new double[hs][schemes.size()];
        for (int h = 0; h < hs; h++)
            for (int w = 0; w < schemes.size(); w++)
                sens[h][w] =
                        p.kvBitsWeightOrDefault()
                                * Math.max(
                                        0,
                                        quant.sensitivity(
                                                h / cfg.numKvHeads(),
                                                h % cfg.numKvHeads(),
                                                schemes.get(w)));
        JointSpanBitsSearch search =
                new JointSpanBitsSearch(
                        cfg.numLayers(),
                        cfg.numKvHeads(),
                        cfg.headDim(),
                        s.sink(),
                        lengths,
                        s.budgetLengths(),
                        SpanSearch.moaGrid(s.alphaStep(), s.alphaMax(), s.betaSteps()),
                        new InfluenceTable(s.block(), rows, s.retrievalWeight()),
                        schemes,
                        sens,
                        quant.quantization());
        long[] dense = new long[s.budgetLengths().length], cap = new long[dense.length];
        for (int m = 0; m < cap.length; m++) {
            int n = s.budgetLengths()[m];
            dense[m] = search.denseBytes(n);
            cap[m] =
                    p.kvBytesPerToken() != null
                            ? (long) Math.floor(p.kvBytesPerToken() * n)
                            : (long) Math.floor(p.kvBytesBudget() * dense[m]);
        }
        CpSatSpanSearch solver =
                new CpSatSpanSearch(
                        s.timeLimitSeconds(),
                        Math.max(1, Runtime.getRuntime().availableProcessors()));
        boolean[] all = new boolean[schemes.size()], bf16 = new boolean[schemes.size()];
        Arrays.fill(all, true);
        bf16[0] = true;
        boolean anyRetrieval = false;
        for (boolean r : retrievalHeads) anyRetrieval |= r;
        List<Entry> entries = new ArrayList<>();
        for (boolean spansOnly : new boolean[] {false, true}) {
            String base = spansOnly ? "spans" : "joint";
            boolean[] allowed = spansOnly ? bf16 : all;
            add(
                    base,
                    spansOnly,
                    search.paretoFront(cap, s.maxSpansPerLayer(), solver, new boolean[hs], allowed),
                    entries);
            if (anyRetrieval)
                add(
                        base + "-hybrid",
                        spansOnly,
                        search.paretoFront(
                                cap, s.maxSpansPerLayer(), solver, retrievalHeads, allowed),
                        entries);
        }
        return new KvPlans(entries, lengths, s.budgetLengths(), cap, dense);
    }

    private static void add(
            String method,
            boolean spansOnly,
            List<JointSpanBitsSearch.Candidate> front,
            List<Entry> out) {
        for (JointSpanBitsSearch.Candidate c : front)
            out.add(
                    new Entry(
                            method,
                            spansOnly,
                            c.heads(),
                            c.quantization(),
                            c.predictedLoss(),
                            c.bytes(),
                            c.optimal()));
    }

    /**
     * The best validated plan of a kind (joint or spans-only) as a plan file; null when the cap
     * admits none.
     */
    AttentionPlan choose(
            boolean spansOnly, double[] losses, String configHash, double densityBudget) {
        int best = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).spansOnly() != spansOnly) continue;
            if (best < 0 || losses[i] < losses[best]) best = i;
        }
        if (best < 0) return null;
        Entry e = entries.get(best);
        Map<String, Object> predicted = new LinkedHashMap<>();
        Map<String, Double> loss = new LinkedHashMap<>();
        for (int i = 0; i < lengths.length; i++)
            loss.put(String.valueOf(lengths[i]), e.predictedLoss()[i]);
        predicted.put("loss_increase", loss);
        Map<String, Object> bytes = new LinkedHashMap<>(),
                fraction = new LinkedHashMap<>(),
                cap = new LinkedHashMap<>();
        for (int m = 0; m < budgetLengths.length; m++) {
            String n = String.valueOf(budgetLengths[m]);
            bytes.put(n, e.bytes()[m]);
            fraction.put(n, (double) e.bytes()[m] / denseBytes[m]);
            cap.put(n, byteCap[m]);
        }
        predicted.put("kv_bytes", bytes);
        predicted.put("kv_bytes_fraction_of_dense_bf16", fraction);
        predicted.put("kv_bytes_cap", cap);
        Map<String, Object> validation = new LinkedHashMap<>();
        validation.put("loss", losses[best]);
        validation.put("chosen_index", best);
        validation.put("chosen_method", e.method());
        validation.put(
                "front_size", entries.stream().filter(x -> x.spansOnly() == spansOnly).count());
        AttentionPlan plan =
                new AttentionPlan(
                        spansOnly ? "spans-same-bytes" : "joint",
                        configHash,
                        densityBudget,
                        Arrays.stream(lengths).boxed().toList(),
                        e.heads(),
                        predicted,
                        validation);
        return spansOnly ? plan : plan.withKvQuantization(e.quantization());
    }

    /**
     * Writes the joint and the spans-only plan from every candidate's validation loss (side input);
     * the KV candidates follow the {@code offset} density candidates.
     */
    static final class ChooseFn extends DoFn<String, String> {
        private final KvPlans plans;
        private final int offset;
        private final PCollectionView<Map<Integer, Double>> losses;
        private final String artifacts, configHash;
        private final double densityBudget;

        ChooseFn(
                KvPlans plans,
                int offset,
                PCollectionView<Map<Integer, Double>> losses,
                String artifacts,
                String configHash,
                double densityBudget) {
            this.plans = plans;
            this.offset = offset;
            this.losses = losses;
            this.artifacts = artifacts;
            this.configHash = configHash;
            this.densityBudget = densityBudget;
        }

        @ProcessElement
        public void processElement(ProcessContext c) {
            Map<Integer, Double> byCandidate = c.sideInput(losses);
            double[] l = new double[plans.entries.size()];
            for (int i = 0; i < l.length; i++) l[i] = byCandidate.get(offset + i);
            Path dir = Path.of(artifacts);
            try {
                Files.createDirectories(dir);
                AttentionPlan joint = plans.choose(false, l, configHash, densityBudget),
                        spans = plans.choose(true, l, configHash, densityBudget);
                if (joint != null) joint.write(dir.resolve(KV_PLAN_FILE));
                if (spans != null) spans.write(dir.resolve(SPANS_SAME_BYTES_FILE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            c.output("kv plans");
        }
    }
}
