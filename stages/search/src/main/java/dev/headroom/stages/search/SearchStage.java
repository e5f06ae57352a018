package dev.headroom.stages.search;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.plan.search.PlanExports;
import dev.headroom.plan.search.PlanSearchRunner;
import dev.headroom.plan.search.SearchSettings;
import dev.headroom.stages.shared.CalibrationSource;
import dev.headroom.stages.shared.CalibrationSpec;
import dev.headroom.stages.shared.KvQuantArtifact;
import dev.headroom.stages.shared.ProfileSettings;
import dev.headroom.stages.shared.ProfileTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The {@code search} stage: per-KV-head plans at one density budget ({@link PlanSearchRunner}):
 * MoA's span search (OR-Tools CP-SAT, Pareto front over the profiled lengths), the hybrid
 * (DuoAttention's retrieval heads held full, MoA's spans for the rest), and the DuoAttention split
 * as the baseline. The solves are small and run in the driver; every front plan (and duo, for its
 * record) is then validated by answer loss on held-out samples at a longer length in one pipeline
 * ({@link ValidatePlans}, one element per plan x sample), and the lowest-loss front plan is chosen
 * ({@link PlanSearchRunner#choose}).
 *
 * <p>Writes {@code artifacts/plan.json} (the chosen moa or hybrid plan), {@code
 * artifacts/duo_plan.json}, {@code artifacts/moa_plan.json} and {@code
 * artifacts/full_attention_heads.tsv} (exports), and the tables {@code plan_heads} and {@code
 * plan_front}. Graph: {@code Create validation cases} → {@code Validate plans} ({@code Loss per
 * sample} → {@code Combine per plan}) → {@code Losses by candidate} (side input); {@code Start
 * choice} → {@code Choose plan} (writes the plans) → {@code Write plan_heads}, {@code Write
 * plan_front}.
 */
public final class SearchStage implements StageDefinition<SearchParams> {
    public static final String NAME = "search";
    private static final String PLAN_FILE = AttentionPlan.FILE,
            DUO_PLAN_FILE = AttentionPlan.DUO_FILE;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "per-KV-head sparse attention plans under a density budget (MoA spans; DuoAttention split)";
    }

    @Override
    public Class<SearchParams> paramsType() {
        return SearchParams.class;
    }

    @Override
    public List<String> outputs(SearchParams params) {
        List<String> out =
                new ArrayList<>(
                        List.of(
                                "artifacts/" + PLAN_FILE,
                                "artifacts/" + DUO_PLAN_FILE,
                                "artifacts/moa_plan.json",
                                "artifacts/full_attention_heads.tsv",
                                "reports/" + PlanTables.HEADS.fileName(),
                                "reports/" + PlanTables.FRONT.fileName()));
        if (params.hasKvBudget()) {
            out.add("artifacts/" + KvPlans.KV_PLAN_FILE);
            out.add("artifacts/" + KvPlans.SPANS_SAME_BYTES_FILE);
        }
        return out;
    }

    private List<Integer> budgetLengths(SearchParams p) {
        return p.budgetLengths() == null || p.budgetLengths().isEmpty()
                ? List.of(p.validationLength())
                : p.budgetLengths();
    }

    @Override
    public void run(SearchParams params, StageContext context) {
        ProfileSettings profile = ProfileSettings.read(context.artifacts());
        List<ProfileRow> rows =
                ParquetTables.read(
                        ProfileTables.HEADS,
                        context.reports().resolve(ProfileTables.HEADS.fileName()));
        int maxProfiled = rows.stream().mapToInt(ProfileRow::length).max().orElse(0);
        if (params.validationLength() <= maxProfiled) {
            throw new HeadroomException(
                    "search: validation_length "
                            + params.validationLength()
                            + " must be longer than every profiled length (longest: "
                            + maxProfiled
                            + ")");
        }
        var cfg = context.model().config();
        SearchSettings settings = settings(params, profile);
        String hash = ModelIdentity.configHash(context.model().directory());
        context.err()
                .println(
                        "search: solving spans for "
                                + cfg.numLayers() * cfg.numKvHeads()
                                + " KV heads at density budget "
                                + settings.densityBudget());
        PlanSearchRunner.Candidates candidates =
                new PlanSearchRunner(settings).candidates(rows, cfg.numLayers(), cfg.numKvHeads());
        List<CalibrationSpec> heldOut =
                new CalibrationSource(context.calibration())
                        .heldOut(params.validationLength(), params.validationSamplesOrDefault());
        List<List<HeadSpan>> plans = new ArrayList<>();
        for (PlanSearchRunner.Candidate c : candidates.front()) plans.add(c.heads());
        plans.add(candidates.duoHeads()); // after the front: duo, validated for its record only
        List<KvQuantization> widths = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) widths.add(null);
        int kvOffset = plans.size();
        KvPlans kvPlans = null;
        if (params.hasKvBudget()) {
            boolean[] retrieval = new boolean[cfg.numLayers() * cfg.numKvHeads()];
            for (HeadSpan h : candidates.duoHeads())
                retrieval[h.layer() * cfg.numKvHeads() + h.kvHead()] = h.kind().equals("retrieval");
            kvPlans =
                    KvPlans.search(
                            settings,
                            params,
                            rows,
                            KvQuantArtifact.read(
                                    context.artifacts(), cfg.numLayers(), cfg.numKvHeads()),
                            cfg,
                            retrieval);
            for (KvPlans.Entry e : kvPlans.entries) {
                plans.add(e.heads());
                widths.add(e.spansOnly() ? null : e.quantization());
            }
            context.err()
                    .println(
                            "search: "
                                    + kvPlans.entries.size()
                                    + " joint and spans-only plans under "
                                    + java.util.Arrays.toString(kvPlans.byteCap)
                                    + " KV bytes at "
                                    + budgetLengths(params));
        }
        List<ValidatePlans.ValidationCase> cases = ValidatePlans.cases(plans, widths, heldOut);
        context.err()
                .println(
                        "search: validating "
                                + candidates.front().size()
                                + " front plans and the duo plan on "
                                + heldOut.size()
                                + " held-out samples of "
                                + params.validationLength()
                                + " tokens");

        Pipeline pipeline = context.newPipeline();
        PCollection<KV<Integer, Double>> losses =
                pipeline.apply(
                                "Create validation cases",
                                Create.of(cases).withCoder(ValidatePlans.CASE_CODER))
                        .apply(
                                "Validate plans",
                                new ValidatePlans(
                                        context.model().directory().toString(),
                                        profile.addBos(),
                                        hash,
                                        settings.densityBudget(),
                                        params.validateByWorstSample(),
                                        context.progressKey()));
        PCollectionView<Map<Integer, Double>> lossView =
                losses.apply("Losses by candidate", View.asMap());
        // the candidates travel in the DoFn, not as an element: their arrays make Java equality
        // useless to the
        // DirectRunner's mutation checks
        PCollectionTuple chosen =
                pipeline.apply("Start choice", Create.of("choose"))
                        .apply(
                                "Choose plan",
                                ParDo.of(
                                                new ChooseFn(
                                                        settings,
                                                        hash,
                                                        candidates,
                                                        lossView,
                                                        context.artifacts().toString(),
                                                        cfg.numLayers(),
                                                        cfg.numKvHeads(),
                                                        cfg.groupSize(),
                                                        budgetLengths(params)))
                                        .withSideInputs(lossView)
                                        .withOutputTags(
                                                ChooseFn.HEADS, TupleTagList.of(ChooseFn.FRONT)));
        if (kvPlans != null) {
            pipeline.apply("Start KV choice", Create.of("choose"))
                    .apply(
                            "Choose KV plans",
                            ParDo.of(
                                            new KvPlans.ChooseFn(
                                                    kvPlans,
                                                    kvOffset,
                                                    lossView,
                                                    context.artifacts().toString(),
                                                    hash,
                                                    settings.densityBudget()))
                                    .withSideInputs(lossView));
        }
        var tmp = context.tempDirectory();
        chosen.get(ChooseFn.HEADS)
                .setCoder(SerializableCoder.of(PlanTables.PlanHead.class))
                .apply(
                        "Write plan_heads",
                        ParquetTables.write(PlanTables.HEADS, context.reports(), tmp));
        chosen.get(ChooseFn.FRONT)
                .setCoder(SerializableCoder.of(PlanTables.FrontPoint.class))
                .apply(
                        "Write plan_front",
                        ParquetTables.write(PlanTables.FRONT, context.reports(), tmp));
        context.run(pipeline, cases.size(), "cases");
    }

    private SearchSettings settings(SearchParams params, ProfileSettings profile) {
        return new SearchSettings(
                profile.sink(),
                profile.block(),
                params.alphaStepOrDefault(),
                params.alphaMaxOrDefault(),
                params.betaStepsOrDefault(),
                params.densityBudgetOrDefault(),
                budgetLengths(params).stream().mapToInt(Integer::intValue).toArray(),
                params.maxSpansPerLayerOrDefault(),
                params.timeLimitOrDefault(),
                params.duoWindowOrDefault(),
                params.retrievalWeightOrDefault());
    }

    /**
     * The choice, from every candidate's validation loss (side input): {@link
     * PlanSearchRunner#choose}. Writes the chosen and duo plans and the chosen one's exports into
     * {@code artifacts/}, and emits the rows of {@code plan_heads} ({@link #HEADS}) and {@code
     * plan_front} ({@link #FRONT}).
     */
    static final class ChooseFn extends DoFn<String, PlanTables.PlanHead> {
        static final TupleTag<PlanTables.PlanHead> HEADS = new TupleTag<>() {};
        static final TupleTag<PlanTables.FrontPoint> FRONT = new TupleTag<>() {};
        private final SearchSettings settings;
        private final String configHash;
        private final PlanSearchRunner.Candidates candidates;
        private final PCollectionView<Map<Integer, Double>> losses;
        private final String artifacts;
        private final int layers, kvHeads, groupSize;
        private final List<Integer> budgetLengths;

        ChooseFn(
                SearchSettings settings,
                String configHash,
                PlanSearchRunner.Candidates candidates,
                PCollectionView<Map<Integer, Double>> losses,
                String artifacts,
                int layers,
                int kvHeads,
                int groupSize,
                List<Integer> budgetLengths) {
            this.settings = settings;
            this.configHash = configHash;
            this.candidates = candidates;
            this.losses = losses;
            this.artifacts = artifacts;
            this.layers = layers;
            this.kvHeads = kvHeads;
            this.groupSize = groupSize;
            this.budgetLengths = List.copyOf(budgetLengths);
        }

        @ProcessElement
        public void processElement(ProcessContext c) {
            Map<Integer, Double> byCandidate = c.sideInput(losses);
            int n = candidates.front().size();
            double[] front = new double[n];
            for (int i = 0; i < n; i++) front[i] = byCandidate.get(i);
            PlanSearchRunner.Outcome out =
                    new PlanSearchRunner(settings)
                            .choose(candidates, configHash, front, byCandidate.get(n));
            Path dir = Path.of(artifacts);
            try {
                Files.createDirectories(dir);
                out.chosen().write(dir.resolve(PLAN_FILE));
                out.duo().write(dir.resolve(DUO_PLAN_FILE));
                PlanExports.writeAll(out.chosen(), dir, layers, kvHeads, groupSize);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            headRows(out, budgetLengths).forEach(r -> c.output(HEADS, r));
            frontRows(out).forEach(r -> c.output(FRONT, r));
        }
    }

    static List<PlanTables.PlanHead> headRows(
            PlanSearchRunner.Outcome out, List<Integer> budgetLengths) {
        List<PlanTables.PlanHead> heads = new ArrayList<>();
        for (AttentionPlan plan : List.of(out.chosen(), out.duo())) {
            for (int n : budgetLengths) {
                for (HeadSpan h : plan.heads()) {
                    heads.add(PlanTables.PlanHead.of(plan.method(), h, n));
                }
            }
        }
        return heads;
    }

    static List<PlanTables.FrontPoint> frontRows(PlanSearchRunner.Outcome out) {
        List<PlanTables.FrontPoint> front = new ArrayList<>();
        for (PlanSearchRunner.FrontEntry e : out.front()) {
            for (int i = 0; i < e.lengths().length; i++) {
                int n = e.lengths()[i];
                double density =
                        e.heads().stream().mapToDouble(h -> h.density(n)).average().orElse(1);
                front.add(
                        new PlanTables.FrontPoint(
                                e.index(),
                                e.method(),
                                e.index() == out.chosenIndex(),
                                n,
                                e.predictedLoss()[i],
                                density,
                                e.validationLoss()));
            }
        }
        return front;
    }

    @Override
    public void report(SearchParams params, StageContext context, RunReport report) {
        List<PlanTables.PlanHead> heads =
                ParquetTables.read(
                        PlanTables.HEADS, context.reports().resolve(PlanTables.HEADS.fileName()));
        List<PlanTables.FrontPoint> front =
                ParquetTables.read(
                        PlanTables.FRONT, context.reports().resolve(PlanTables.FRONT.fileName()));
        var cfg = context.model().config();
        report.section(
                "Attention plans",
                PlanFigures.spanMaps(heads, cfg.numLayers(), cfg.numKvHeads())
                        + PlanFigures.paretoFront(front));
        report.console(PlanFigures.consoleSummary(heads, front, params.densityBudgetOrDefault()));
    }
}
