package dev.headroom.pipeline.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.api.StageParams;
import dev.headroom.pipeline.config.ConfigLoader;
import dev.headroom.pipeline.config.ConfigMapper;
import dev.headroom.pipeline.config.ResolvedConfig;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.config.RunnerSettings;
import dev.headroom.pipeline.registry.StageRegistry;
import dev.headroom.pipeline.report.RunReport;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a config: validate, prepare the run directory, run (or skip) each stage in order, then write
 * the report and print the summary. The {@code run} command's engine.
 */
public final class HeadroomRun {

    /**
     * Command-line overrides of the config's runner section (null: keep).
     *
     * @param yes run stages of any size ({@code --yes}): lifts {@code runner.max_units}
     */
    public record RunnerOverrides(
            RunnerKind runner, String flinkMaster, Integer parallelism, boolean yes) {
        public static final RunnerOverrides NONE = new RunnerOverrides(null, null, null, false);

        public RunnerOverrides(RunnerKind runner, String flinkMaster, Integer parallelism) {
            this(runner, flinkMaster, parallelism, false);
        }
    }

    /** What a run produced. */
    public record Outcome(Path runDirectory, Path reportHtml, List<String> skippedStages) {}

    private final StageRegistry registry;
    private final PrintStream out;
    private final PrintStream err;

    /** The stage running now ("2/4 search"), for the line a signal prints; null between stages. */
    private volatile String running;

    private final List<String> finished = new java.util.concurrent.CopyOnWriteArrayList<>();

    public HeadroomRun(PrintStream out, PrintStream err) {
        this.registry = StageRegistry.load();
        this.out = out;
        this.err = err;
    }

    /** Validates a config without running it. */
    public ResolvedConfig load(Path configFile, RunnerOverrides overrides, Path workingDir) {
        // Overrides are checked like the config's own runner section, before the config is read.
        if (overrides.parallelism() != null && overrides.parallelism() < 1) {
            throw new HeadroomException(
                    "--parallelism must be at least 1, got " + overrides.parallelism());
        }
        if (overrides.flinkMaster() != null
                && !RunnerSettings.isValidFlinkMaster(overrides.flinkMaster())) {
            throw new HeadroomException(
                    "--flink-master: '"
                            + overrides.flinkMaster()
                            + "' is neither [local] nor host:port");
        }
        ResolvedConfig config =
                new ConfigLoader(registry).load(configFile, workingDir, overrides.yes());
        return config.withRunner(
                config.runner()
                        .overriddenBy(
                                overrides.runner(),
                                overrides.parallelism(),
                                overrides.flinkMaster()));
    }

    public Outcome run(Path configFile, RunnerOverrides overrides) {
        return run(configFile, overrides, Path.of("").toAbsolutePath());
    }

    /** Runs a config whose relative paths resolve against {@code workingDir}. */
    public Outcome run(Path configFile, RunnerOverrides overrides, Path workingDir) {
        ResolvedConfig config = load(configFile, overrides, workingDir);
        BeamRunners.checkReachable(config.runner());
        RunDirectoryLinks.refuseLinksOut(config.runDirectory());
        try (RunLock lock = RunLock.acquire(config.runDirectory(), err)) {
            // SIGINT / SIGTERM: one line saying what completed and how to resume, and the lock
            // released (completed stages are on disk; the one running resumes from its start)
            Thread onSignal =
                    new Thread(
                            () -> {
                                String now = running;
                                err.println(
                                        "headroom: stopped"
                                                + (now == null ? "" : " during stage " + now)
                                                + "; completed: "
                                                + (finished.isEmpty()
                                                        ? "none"
                                                        : String.join(", ", finished))
                                                + "; resume with: ./runners/headroom run "
                                                + config.file());
                                err.flush();
                                lock.close();
                            },
                            "headroom-signal");
            Runtime.getRuntime().addShutdownHook(onSignal);
            try {
                return runLocked(config, overrides);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(onSignal);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to: it prints the line
                }
            }
        }
    }

    /** The run, holding its run directory's lock. */
    private Outcome runLocked(ResolvedConfig config, RunnerOverrides overrides) {
        Instant started = Instant.now();
        ObjectMapper canonical = ConfigMapper.canonicalJson(registry);
        List<RunDirectory.StageKey> keys = new java.util.ArrayList<>();
        String previousHash = Provenance.modelFingerprint(config.model().directory());
        for (int i = 0; i < config.stages().size(); i++) {
            StageParams params = config.stages().get(i);
            String name = registry.definitionOf(params).name();
            previousHash = stageHash(previousHash, i, name, canonical, params);
            keys.add(new RunDirectory.StageKey(i, name, previousHash));
        }
        RunDirectory dir = RunDirectory.prepare(config, keys);
        Path provenance = dir.artifacts().resolve(Provenance.FILE);
        Path history = dir.artifacts().resolve(Provenance.HISTORY_FILE);
        Map<String, String> status = new LinkedHashMap<>();
        err.printf(
                "headroom: running %s on %s (%s runner, parallelism %d) into %s%n",
                config.file().getFileName(),
                config.model().directory().getFileName(),
                config.runner().nameOrDefault(),
                config.runner().parallelismOrDefault(),
                config.runDirectory());
        long maxUnits = overrides.yes() ? Long.MAX_VALUE : config.runner().maxUnitsOrDefault();
        String confirmHint =
                "to run them, add --yes, or set 'max_units: {N}' under 'runner:' in "
                        + config.file().getFileName()
                        + " (the runner section does not change the run's hash)";

        List<String> skipped = new java.util.ArrayList<>();
        boolean ranAny = false;
        RunReport report = new RunReport("headroom run: " + config.file().getFileName());
        for (int i = 0; i < config.stages().size(); i++) {
            StageParams params = config.stages().get(i);
            StageDefinition<StageParams> stage = registry.definitionOf(params);
            RunDirectory.StageKey key = keys.get(i);
            RunStageContext context = new RunStageContext(config, i, stage.name(), out, err);
            List<String> outputs = stage.outputs(params);
            String label = "stage " + (i + 1) + "/" + config.stages().size() + " " + stage.name();
            if (dir.isComplete(key, outputs)) {
                err.println(
                        label
                                + ": skipped, its inputs and parameters match a completed run (hash "
                                + key.hash().substring(0, 12)
                                + "); outputs: "
                                + String.join(", ", outputs));
                skipped.add(stage.name());
                status.put(i + "-" + stage.name(), "skipped (complete)");
                finished.add(stage.name());
            } else {
                if (!ranAny) {
                    // This run makes results: provenance.json describes it, and the provenance it
                    // replaces goes to the history.
                    ranAny = true;
                    Provenance.supersede(provenance, history, started);
                }
                status.put(i + "-" + stage.name(), "running");
                running = (i + 1) + "/" + config.stages().size() + " " + stage.name();
                dir.writeAtomically(provenance, Provenance.json(config, started, null, status));
                Instant t0 = Instant.now();
                err.println(label + ": " + stage.description());
                try (ProgressPrinter.Watch watch =
                        ProgressPrinter.watch(
                                stage.name(), context.progressKey(), maxUnits, confirmHint, err)) {
                    stage.run(params, context);
                }
                Instant t1 = Instant.now();
                dir.markComplete(key, outputs, t0, t1);
                running = null;
                finished.add(stage.name());
                status.put(
                        i + "-" + stage.name(),
                        "ran in "
                                + ProgressPrinter.clock(
                                        Duration.between(t0, t1).toMillis() / 1000.0));
                dir.writeAtomically(provenance, Provenance.json(config, started, null, status));
                err.println(
                        label
                                + ": done in "
                                + ProgressPrinter.clock(
                                        Duration.between(t0, t1).toMillis() / 1000.0));
            }
            stage.report(params, context, report);
        }
        Instant ended = Instant.now();
        report.fact("config", config.file().toString())
                .fact("config hash", config.hash())
                .fact("model", config.model().directory().toString());
        JsonNode maker = ranAny ? null : Provenance.read(provenance);
        if (maker == null) {
            report.fact(
                            "runner",
                            config.runner().nameOrDefault()
                                    + ", parallelism "
                                    + config.runner().parallelismOrDefault())
                    .fact("code", Provenance.codeVersion())
                    .fact("started", started.toString())
                    .fact("ended", ended.toString());
        } else {
            // Every stage was complete: the facts are those of the run that made the results.
            report.fact(
                            "runner",
                            maker.path("runner").asText()
                                    + ", parallelism "
                                    + maker.path("parallelism").asText())
                    .fact("code", maker.path("code_version").asText())
                    .fact("started", maker.path("started").asText())
                    .fact("ended", maker.path("ended").asText())
                    .fact(
                            "rerun",
                            "every stage was complete at "
                                    + started
                                    + " ("
                                    + config.runner().nameOrDefault()
                                    + " runner); see artifacts/"
                                    + Provenance.HISTORY_FILE);
        }
        report.writeHtml(dir.reportHtml());
        if (ranAny) {
            dir.writeAtomically(provenance, Provenance.json(config, started, ended, status));
        } else {
            Provenance.appendHistory(history, Provenance.rerun(config, started, ended, status));
        }
        for (String block : report.consoleBlocks()) {
            out.println();
            out.print(block);
        }
        out.println();
        out.println("report:    " + dir.reportHtml());
        out.println("tables:    " + dir.reports() + "/");
        out.println("artifacts: " + dir.artifacts() + "/");
        out.printf(
                "wall time: %s%n",
                ProgressPrinter.clock(Duration.between(started, ended).toMillis() / 1000.0));
        return new Outcome(dir.root(), dir.reportHtml(), skipped);
    }

    /**
     * Hash of the previous stage's hash (the model fingerprint for the first), the index and the
     * params.
     */
    static String stageHash(
            String previous, int index, String name, ObjectMapper canonical, StageParams params) {
        try {
            String text =
                    previous
                            + "\n"
                            + index
                            + "\n"
                            + name
                            + "\n"
                            + canonical.writeValueAsString(params);
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
