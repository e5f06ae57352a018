package dev.headroom.stages.search;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.plan.profile.SampleProfiler;
import dev.headroom.plan.search.PlanExports;
import dev.headroom.plan.search.PlanSearchRunner;
import dev.headroom.plan.search.SearchSettings;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSource;
import dev.headroom.stages.shared.CalibrationSpec;
import dev.headroom.stages.shared.ProfileSettings;
import dev.headroom.stages.shared.ProfileTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;

/**
 * The {@code search} stage: per-KV-head plans at one density budget ({@link PlanSearchRunner}): MoA's span search
 * (OR-Tools CP-SAT, Pareto front over the profiled lengths), the hybrid (DuoAttention's retrieval heads held full,
 * MoA's spans for the rest), each front plan validated by answer loss on held-out samples at a longer length, the
 * best one written as the plan; and the DuoAttention split as the baseline. Runs in the driver: the solves are small and validation reuses one model.
 *
 * <p>Writes {@code artifacts/plan.json} (the chosen MoA plan), {@code artifacts/duo_plan.json},
 * {@code artifacts/moa_plan.json} and {@code artifacts/full_attention_heads.tsv} (exports), and the tables
 * {@code plan_heads} and {@code plan_front} (graph: {@code Create plan heads} → {@code Write plan_heads};
 * {@code Create front} → {@code Write plan_front}).
 */
public final class SearchStage implements StageDefinition<SearchParams> {
    public static final String NAME = "search";
    private static final String PLAN_FILE = AttentionPlan.FILE, DUO_PLAN_FILE = AttentionPlan.DUO_FILE;

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
        return List.of("artifacts/" + PLAN_FILE, "artifacts/" + DUO_PLAN_FILE, "artifacts/moa_plan.json",
                "artifacts/full_attention_heads.tsv", "reports/" + PlanTables.HEADS.fileName(), "reports/" + PlanTables.FRONT.fileName());
    }

    private List<Integer> budgetLengths(SearchParams p) {
        return p.budgetLengths() == null || p.budgetLengths().isEmpty() ? List.of(p.validationLength()) : p.budgetLengths();
    }

    @Override
    public void run(SearchParams params, StageContext context) {
        ProfileSettings profile = ProfileSettings.read(context.artifacts());
        List<ProfileRow> rows = ParquetTables.read(ProfileTables.HEADS, context.reports().resolve(ProfileTables.HEADS.fileName()));
        int maxProfiled = rows.stream().mapToInt(ProfileRow::length).max().orElse(0);
        if (params.validationLength() <= maxProfiled) {
            throw new HeadroomException("search: validation_length " + params.validationLength()
                    + " must be longer than every profiled length (longest: " + maxProfiled + ")");
        }
        var cfg = context.model().config();
        LoadedModel model = LoadedModel.shared(context.model().directory());
        List<CalibrationSample> heldOut = heldOut(params, profile, context, model);
        SearchSettings settings = new SearchSettings(profile.sink(), profile.block(), params.alphaStepOrDefault(),
                params.alphaMaxOrDefault(), params.betaStepsOrDefault(), params.densityBudgetOrDefault(),
                budgetLengths(params).stream().mapToInt(Integer::intValue).toArray(), params.maxSpansPerLayerOrDefault(),
                params.timeLimitOrDefault(), params.duoWindowOrDefault(), params.retrievalWeightOrDefault());
        String hash = ModelIdentity.configHash(context.model().directory());
        context.err().println("search: solving spans for " + cfg.numLayers() * cfg.numKvHeads() + " KV heads at density budget "
                + settings.densityBudget() + ", validating on " + heldOut.size() + " held-out samples of " + params.validationLength() + " tokens");
        PlanSearchRunner.Outcome out = new PlanSearchRunner(settings).run(rows, cfg.numLayers(), cfg.numKvHeads(), hash,
                heads -> validationLoss(model, heldOut, heads, hash, settings, params.validateByWorstSample()));
        try {
            Files.createDirectories(context.artifacts());
            out.chosen().write(context.artifacts().resolve(PLAN_FILE));
            out.duo().write(context.artifacts().resolve(DUO_PLAN_FILE));
            PlanExports.writeAll(out.chosen(), context.artifacts(), cfg.numLayers(), cfg.numKvHeads(), cfg.groupSize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeTables(out, budgetLengths(params), context);
    }

    /**
     * Held-out answer loss of a set of spans: the largest over the validation samples (worst) or their mean. The
     * samples spread their needles over depths, so the worst sample is the depth the plan serves least.
     */
    private static double validationLoss(LoadedModel model, List<CalibrationSample> samples, List<HeadSpan> heads, String hash,
                                         SearchSettings s, boolean worst) {
        PlanPolicy policy = new PlanPolicy(new AttentionPlan("candidate", hash, s.densityBudget(), List.of(), heads, Map.of(), Map.of()), "candidate");
        double sum = 0, max = 0;
        for (CalibrationSample c : samples) {
            double loss = SampleProfiler.loss(model, c, policy);
            sum += loss;
            max = Math.max(max, loss);
        }
        return worst ? max : sum / samples.size();
    }

    /** Calibration tasks at the validation length with a different seed: data no profile sample saw. */
    /** Calibration data at the validation length that no profile sample saw. */
    private static List<CalibrationSample> heldOut(SearchParams params, ProfileSettings profile, StageContext context, LoadedModel model) {
        Map<String, TaskGenerator> generators = new HashMap<>();
        List<CalibrationSample> out = new ArrayList<>();
        for (CalibrationSpec spec : new CalibrationSource(context.calibration()).heldOut(params.validationLength(), params.validationSamplesOrDefault())) {
            if (spec.isGiven()) {
                out.add(CalibrationSamples.ofGiven(spec, model, profile.addBos()));
                continue;
            }
            TaskGenerator g = generators.computeIfAbsent(spec.task().name(), n -> TaskFactory.build(spec.task(), model, profile.addBos()));
            out.add(CalibrationSamples.of(g.generate(spec.length(), spec.depth(), spec.sample(), spec.seed()), model,
                    profile.addBos(), false));
        }
        return out;
    }

    private static void writeTables(PlanSearchRunner.Outcome out, List<Integer> budgetLengths, StageContext context) {
        List<PlanTables.PlanHead> heads = new ArrayList<>();
        for (AttentionPlan plan : List.of(out.chosen(), out.duo())) {
            for (int n : budgetLengths) {
                for (HeadSpan h : plan.heads()) {
                    heads.add(new PlanTables.PlanHead(plan.method(), h.layer(), h.kvHead(), h.kind(), h.sink(), h.alpha(), h.beta(),
                            n, h.window(n), h.density(n)));
                }
            }
        }
        List<PlanTables.FrontPoint> front = new ArrayList<>();
        for (PlanSearchRunner.FrontEntry e : out.front()) {
            for (int i = 0; i < e.lengths().length; i++) {
                int n = e.lengths()[i];
                double density = e.heads().stream().mapToDouble(h -> h.density(n)).average().orElse(1);
                front.add(new PlanTables.FrontPoint(e.index(), e.method(), e.index() == out.chosenIndex(), n, e.predictedLoss()[i], density,
                        e.validationLoss()));
            }
        }
        Pipeline pipeline = context.newPipeline();
        var tmp = context.tempDirectory();
        pipeline.apply("Create plan heads", Create.of(heads).withCoder(SerializableCoder.of(PlanTables.PlanHead.class)))
                .apply("Write plan_heads", ParquetTables.write(PlanTables.HEADS, context.reports(), tmp));
        pipeline.apply("Create front", Create.of(front).withCoder(SerializableCoder.of(PlanTables.FrontPoint.class)))
                .apply("Write plan_front", ParquetTables.write(PlanTables.FRONT, context.reports(), tmp));
        context.run(pipeline, heads.size() + front.size(), "rows");
    }

    @Override
    public void report(SearchParams params, StageContext context, RunReport report) {
        List<PlanTables.PlanHead> heads = ParquetTables.read(PlanTables.HEADS, context.reports().resolve(PlanTables.HEADS.fileName()));
        List<PlanTables.FrontPoint> front = ParquetTables.read(PlanTables.FRONT, context.reports().resolve(PlanTables.FRONT.fileName()));
        var cfg = context.model().config();
        report.section("Attention plans", PlanFigures.spanMaps(heads, cfg.numLayers(), cfg.numKvHeads()) + PlanFigures.paretoFront(front));
        report.console(PlanFigures.consoleSummary(heads, front, params.densityBudgetOrDefault()));
    }
}
