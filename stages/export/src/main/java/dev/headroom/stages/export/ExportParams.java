package dev.headroom.stages.export;

import dev.headroom.pipeline.api.ConfigPath;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;

/**
 * {@code - stage: export}: writes {@code artifacts/model/}, one model directory that headroom runs
 * with the run's optimizations applied and other tools load as the plain checkpoint.
 *
 * @param plan the plan to carry, a file in the run's {@code artifacts/} (default: {@code
 *     kv_plan.json} when the search made one, else {@code plan.json}, else the source artifact's
 *     plan when the model is itself an export, else none)
 * @param file a plan file elsewhere, instead of {@code plan}
 * @param linear carry the linearize stage's feature maps (default: when the run made them)
 * @param portable copy the weights (default false: hard-link them, or link them symbolically across
 *     file systems; the manifest's sha256 pins their bytes either way)
 */
public record ExportParams(
        String plan, @ConfigPath.Relative String file, Boolean linear, Boolean portable)
        implements StageParams {

    public boolean portableOrDefault() {
        return portable != null && portable;
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (plan != null && file != null) {
            problems.error(
                    "file", "give either plan (a file in the run's artifacts/) or file, not both");
            return;
        }
        if (file != null && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(file)))
            problems.error("file", file + " does not exist");
        problems.artifactName(plan, "plan");
    }
}
