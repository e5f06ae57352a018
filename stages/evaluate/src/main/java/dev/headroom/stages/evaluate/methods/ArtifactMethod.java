package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.pipeline.api.ConfigPath;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code - method: artifact}: the attention an exported model directory carries (its plan's spans
 * and KV bits, its linearized heads), run on this run's model. The directory must have been
 * exported from the same model (its recorded source config sha256), and its manifest must hold.
 *
 * @param label report label (default {@code artifact})
 * @param path the exported model directory (an export stage's {@code artifacts/model})
 */
public record ArtifactMethod(String label, @ConfigPath.Relative String path) implements MethodSpec {
    public static final String NAME = "artifact";

    @Override
    public String label() {
        return label != null ? label : NAME;
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
        if (!problems.required(path, "path")) return;
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir)) {
            problems.error("path", dir + " is not a directory");
            return;
        }
        if (!ModelArtifact.isArtifact(dir)) {
            problems.error(
                    "path",
                    dir.resolve("config.json")
                            + " has no headroom block: not a model the export stage wrote");
            return;
        }
        String source = ModelIdentity.configHash(dir),
                ours = ModelIdentity.configHash(model.directory());
        if (!source.equals(ours))
            problems.error(
                    "path", dir + " was exported from another model than " + model.directory());
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        ModelArtifact a = ModelArtifact.open(Path.of(path));
        a.checkModel(
                ModelIdentity.configHash(context.model().directory()), context.model().directory());
        return new EvalMethod(label(), a.policy(label()));
    }

    /** Registers {@code artifact}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return ArtifactMethod.class;
        }
    }
}
