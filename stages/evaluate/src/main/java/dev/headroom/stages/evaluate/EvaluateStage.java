package dev.headroom.stages.evaluate;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.harness.CaseRunner;
import dev.headroom.eval.harness.ModelCache;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.CellCoordinate;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The {@code evaluate} stage: builds the grid, runs it through {@link EvaluateCases}, aggregates it
 * with {@link SummarizeCells} and writes {@code reports/eval_results.parquet} and {@code
 * reports/eval_summary.parquet}.
 *
 * <p>Coordinates of a cell that give the same case (the {@code kl} windows of depths that pick the
 * same document) run once: the cell's interval counts distinct cases.
 *
 * <p>Before the pipeline it prints the number of cases and an estimate of their time from a couple
 * of real cases timed in the driver ({@link EvalProbe}).
 *
 * <p>Graph: {@code Create grid} → {@code Evaluate} → {@code Write eval_results}; {@code Evaluate} →
 * {@code Summarize} → {@code Write eval_summary}.
 */
public final class EvaluateStage implements StageDefinition<EvaluateParams> {

    public static final String NAME = "evaluate";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "long-context accuracy of attention methods on a grid of tasks, lengths and depths";
    }

    @Override
    public Class<EvaluateParams> paramsType() {
        return EvaluateParams.class;
    }

    /** The grid's elements, identical cases counted each time (they run once). */
    @Override
    public PlannedWork plannedWork(EvaluateParams params) {
        if (params.methods() == null || params.tasks() == null || params.lengths() == null) {
            return null;
        }
        return new PlannedWork(
                (long) params.methods().size()
                        * params.tasks().size()
                        * params.lengths().size()
                        * params.depthsOrDefault().size()
                        * params.samplesOrDefault(),
                "cases");
    }

    @Override
    public List<String> outputs(EvaluateParams params) {
        return List.of(
                "reports/" + EvalTables.RESULTS.fileName(),
                "reports/" + EvalTables.SUMMARY.fileName());
    }

    /** The grid a config describes, with methods resolved. */
    public static EvalGrid grid(EvaluateParams params, StageContext context) {
        List<EvalMethod> methods = new ArrayList<>();
        for (MethodSpec m : params.methods()) {
            methods.add(m.resolve(context));
        }
        String textFile =
                params.textFile() == null
                        ? null
                        : Path.of(params.textFile()).toAbsolutePath().toString();
        List<TaskSpec> tasks = new ArrayList<>();
        for (String t : params.tasks()) {
            tasks.add(
                    new TaskSpec(
                            t,
                            params.maxNewTokens() == null ? 0 : params.maxNewTokens(),
                            params.mqarPairsOrDefault(),
                            TaskFactory.needsText(t) ? textFile : null));
        }
        return new EvalGrid(
                methods,
                tasks,
                params.lengths(),
                params.depthsOrDefault(),
                params.samplesOrDefault(),
                params.seedOrDefault());
    }

    /**
     * The grid's distinct cases: each (task, length) cell reduced to the coordinates its generator
     * says give different cases ({@link TaskGenerator#distinctCoordinates}), built here from the
     * model the workers load; a line on {@code err} for every cell that loses some.
     */
    static List<EvalCase> distinctCases(
            EvalGrid grid, LanguageModelRuntime model, boolean addBos, PrintStream err) {
        return distinctCases(grid, generators(model, addBos), err);
    }

    /** The task generators of {@code model}, built on first use. */
    static Function<TaskSpec, TaskGenerator> generators(
            LanguageModelRuntime model, boolean addBos) {
        Map<TaskSpec, TaskGenerator> built = new HashMap<>();
        return task -> {
            try {
                return built.computeIfAbsent(task, t -> TaskFactory.build(t, model, addBos));
            } catch (RuntimeException e) {
                throw new HeadroomException(
                        "evaluate: task " + task.name() + ": " + e.getMessage());
            }
        };
    }

    static List<EvalCase> distinctCases(
            EvalGrid grid, Function<TaskSpec, TaskGenerator> generators, PrintStream err) {
        return grid.cases(
                (task, length, depths, samples, seed) -> {
                    List<CellCoordinate> kept =
                            generators
                                    .apply(task)
                                    .distinctCoordinates(length, depths, samples, seed);
                    List<CellCoordinate> all =
                            EvalGrid.CellCoordinates.ALL.of(task, length, depths, samples, seed);
                    if (kept.size() < all.size()) {
                        err.printf(
                                Locale.ROOT,
                                "evaluate: %s at %d tokens: %d of %d depth x sample coordinates"
                                        + " give distinct cases; each runs once%n",
                                task.name(),
                                length,
                                kept.size(),
                                all.size());
                    }
                    return kept;
                });
    }

    @Override
    public void run(EvaluateParams params, StageContext context) {
        EvalGrid grid = grid(params, context);
        LanguageModelRuntime model =
                ModelCache.get(context.model().directory(), params.backendOrDefault());
        context.err()
                .println(
                        "evaluate: backend "
                                + model.backend().label()
                                + (params.backend() == null ? " (the default)" : ""));
        Function<TaskSpec, TaskGenerator> generators = generators(model, params.addBosOrDefault());
        List<EvalCase> all = distinctCases(grid, generators, context.err());
        // a run killed mid-stage left its finished cases: run only the others
        CaseJournal journal = CaseJournal.of(context.runDirectory(), params);
        Map<String, CaseResult> kept = journal.read();
        List<EvalCase> cases = new ArrayList<>();
        List<CaseResult> done = new ArrayList<>();
        for (EvalCase c : all) {
            CaseResult r = kept.get(CaseJournal.key(c));
            if (r == null) cases.add(c);
            else done.add(r);
        }
        if (!done.isEmpty())
            context.err()
                    .printf(
                            Locale.ROOT,
                            "evaluate: resuming: %d of %d cases were finished by an interrupted run (%s);"
                                    + " running the other %d%n",
                            done.size(),
                            all.size(),
                            journal.directory(),
                            cases.size());
        List<EvalProbe.Timing> timings =
                cases.isEmpty()
                        ? List.of()
                        : EvalProbe.time(
                                cases,
                                c -> generators.apply(c.task()),
                                new CaseRunner(model, params.addBosOrDefault())
                                        .withArtifacts(
                                                ArtifactResolver.under(context.runDirectory())),
                                System::nanoTime);
        EvalProbe.lines(
                        EvalProbe.estimate(cases, timings, context.parallelism()),
                        context.parallelism())
                .forEach(context.err()::println);
        Pipeline pipeline = context.newPipeline();
        PCollection<CaseResult> fresh =
                pipeline.apply(
                                "Create grid",
                                Create.of(cases).withCoder(SerializableCoder.of(EvalCase.class)))
                        .apply(
                                "Evaluate",
                                new EvaluateCases(
                                                context.model().directory().toString(),
                                                params.addBosOrDefault(),
                                                context.progressKey(),
                                                context.runDirectory().toAbsolutePath().toString())
                                        .keepingCasesIn(journal.directory())
                                        .on(model.backend()));
        PCollection<CaseResult> results =
                PCollectionList.of(fresh)
                        .and(
                                pipeline.apply(
                                        "Cases finished before",
                                        Create.of(done)
                                                .withCoder(SerializableCoder.of(CaseResult.class))))
                        .apply("All cases", Flatten.pCollections());
        results.apply(
                "Write eval_results",
                ParquetTables.write(
                        EvalTables.RESULTS, context.reports(), context.tempDirectory()));
        PCollection<CellSummary> summary = results.apply("Summarize", new SummarizeCells());
        summary.apply(
                "Write eval_summary",
                ParquetTables.write(
                        EvalTables.SUMMARY, context.reports(), context.tempDirectory()));
        context.run(pipeline, cases.size(), "cases");
        CaseJournal.clear(context.runDirectory()); // the tables hold every case now
    }

    @Override
    public void report(EvaluateParams params, StageContext context, RunReport report) {
        List<CellSummary> summary =
                ParquetTables.read(
                        EvalTables.SUMMARY,
                        context.reports().resolve(EvalTables.SUMMARY.fileName()));
        List<CaseResult> results =
                ParquetTables.read(
                        EvalTables.RESULTS,
                        context.reports().resolve(EvalTables.RESULTS.fileName()));
        EvalReport.addTo(report, params, summary, results);
    }
}
