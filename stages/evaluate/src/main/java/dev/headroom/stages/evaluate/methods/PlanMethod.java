package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.plan.PlanFiles;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.pipeline.api.ConfigPath;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * {@code - method: plan}: a plan applied per KV head, either one this run's search stage writes
 * into its {@code artifacts/} ({@code artifact: duo_plan.json}; the default, with neither key, is
 * {@code plan.json}) or an existing file ({@code file: plans/mine.json}, relative to the directory
 * of the config file, like every path in a config). Exactly one of the two. A {@code file} is read
 * and checked with the config (it exists, parses, is for this model and has a span per (layer, KV
 * head)), so a bad one fails before the run directory is made.
 *
 * <p>Three formats are read ({@link PlanFiles}): headroom's {@code plan.json}, MoA's {@code
 * moa_plan.json} and DuoAttention's {@code full_attention_heads.tsv}. The latter two carry no sink
 * and the TSV no streaming window: {@code sink} and {@code window} give them (defaults
 * DuoAttention's 64 and 256) and are refused for a headroom plan.
 *
 * @param label report label (default: the file's name without its extension and a {@code _plan}
 *     suffix: {@code plan}, {@code duo}, {@code moa}, {@code full_attention_heads})
 * @param artifact a plan in the run's {@code artifacts/}, by file name
 * @param file a plan file, relative to the config file's directory
 * @param sink sink tokens for a MoA or DuoAttention file
 * @param window DuoAttention streaming heads' recent window in tokens
 */
public record PlanMethod(
        String label,
        String artifact,
        @ConfigPath.Relative String file,
        Integer sink,
        Integer window)
        implements MethodSpec {
    public static final String NAME = "plan";

    /**
     * Which file, as written: {@code artifacts/NAME} for an artifact (the default {@code
     * artifacts/plan.json}), else the file.
     */
    public String source() {
        return file != null ? file : "artifacts/" + artifactOrDefault();
    }

    public String artifactOrDefault() {
        return artifact == null ? AttentionPlan.FILE : artifact;
    }

    public PlanFiles.Defaults defaults() {
        return new PlanFiles.Defaults(
                sink == null ? PlanFiles.Defaults.DUO_ATTENTION.sink() : sink,
                window == null ? PlanFiles.Defaults.DUO_ATTENTION.window() : window);
    }

    @Override
    public String label() {
        if (label != null) return label;
        // the file's name without ".json"/".tsv" and a "_plan" suffix: plan.json -> plan,
        // duo_plan.json -> duo
        String name = Path.of(source()).getFileName().toString().replaceFirst("\\.(json|tsv)$", "");
        return name.endsWith("_plan") ? name.substring(0, name.length() - "_plan".length()) : name;
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
        problems.range(sink, "sink", 0, model.config().maxPositions());
        problems.range(window, "window", 1, model.config().maxPositions());
        if (artifact != null && file != null) {
            problems.error(
                    "file",
                    "give either artifact (a plan this run's search stage writes, e.g. 'artifact: duo_plan.json') "
                            + "or file (an existing plan), not both");
            return;
        }
        if (file != null) {
            validateFile(problems, model);
        } else if (artifact != null) {
            validateArtifact(problems);
        }
    }

    private void validateArtifact(ConfigProblems problems) {
        if (artifact.isBlank()) {
            problems.error(
                    "artifact",
                    "is empty; give a file name in the run's artifacts/, e.g. 'artifact: duo_plan.json'");
            return;
        }
        if (!ConfigProblems.isArtifactName(artifact)) {
            problems.error(
                    "artifact",
                    "'"
                            + artifact
                            + "' is not a file name in the run's artifacts/; for a plan elsewhere use 'file: "
                            + artifact
                            + "'");
            return;
        }
        checkKeysFit(problems, PlanFiles.formatOfName(artifact));
        ConfigProblems.Context c = problems.context();
        if (c.runDirectory() == null)
            return; // no run directory known: the run reports a missing artifact
        String output = "artifacts/" + artifact;
        if (!c.earlierOutputs().contains(output)
                && !Files.isRegularFile(c.runDirectory().resolve(output))) {
            String plans =
                    c.earlierOutputs().stream()
                            .filter(
                                    o ->
                                            o.startsWith("artifacts/")
                                                    && (o.endsWith(".json") || o.endsWith(".tsv")))
                            .map(o -> o.substring("artifacts/".length()))
                            .sorted()
                            .collect(Collectors.joining(", "));
            problems.error(
                    "artifact",
                    "no stage before this one writes "
                            + output
                            + (plans.isEmpty()
                                    ? " (no search stage runs before it)"
                                    : " (they write " + plans + ")")
                            + ", and "
                            + c.runDirectory().resolve(output)
                            + " does not exist");
        }
    }

    private void validateFile(ConfigProblems problems, ModelFacts model) {
        if (file.isBlank()) {
            problems.error(
                    "file",
                    "is empty; give a plan file, or 'artifact: NAME' for one this run's search stage writes");
            return;
        }
        Path path = problems.resolve(file);
        if (!Files.isRegularFile(path)) {
            String name = Path.of(file).getFileName().toString();
            boolean ownArtifact =
                    problems.context().earlierOutputs().contains("artifacts/" + name)
                            || file.startsWith("artifacts/");
            problems.error(
                    "file",
                    "no such plan file: "
                            + path
                            + " (relative to the config file's directory"
                            + (ownArtifact
                                    ? "; for the plan this run's search stage writes, use 'artifact: "
                                            + name
                                            + "'"
                                    : "")
                            + ")");
            return;
        }
        try {
            PlanFiles.Read read =
                    PlanFiles.readFor(
                            path,
                            model.config(),
                            ModelIdentity.configHash(model.directory()),
                            defaults());
            checkKeysFit(problems, read.format());
        } catch (HeadroomException e) {
            problems.error("file", e.getMessage());
        }
    }

    /** sink and window only mean something for the formats that leave them out. */
    private void checkKeysFit(ConfigProblems problems, PlanFiles.Format format) {
        if (sink != null && format.selfContained()) {
            problems.error(
                    "sink",
                    "a headroom plan carries each head's sink; sink applies to MoA's and DuoAttention's files");
        }
        if (window != null && format != PlanFiles.Format.DUO) {
            problems.error(
                    "window",
                    "applies to DuoAttention's full_attention_heads.tsv only (its streaming heads' window)");
        }
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        // file: absolute, resolved against the config file's directory when bound; artifact: in
        // this
        // run's artifacts/
        Path path =
                file != null
                        ? Path.of(file).toAbsolutePath().normalize()
                        : context.artifacts().resolve(artifactOrDefault());
        AttentionPlan plan =
                PlanFiles.readFor(
                                path,
                                context.model().config(),
                                ModelIdentity.configHash(context.model().directory()),
                                defaults())
                        .plan();
        return new EvalMethod(label(), new PlanPolicy(plan, label()));
    }

    /** Registers {@code plan}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return PlanMethod.class;
        }
    }
}
