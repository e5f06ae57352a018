package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.EvalMethod;
import java.nio.file.Path;

/**
 * {@code - method: plan}: a plan file applied per KV head (by default the search stage's chosen plan,
 * {@code artifacts/plan.json}; {@code file: artifacts/duo_plan.json} for the DuoAttention baseline). A relative
 * {@code file} is resolved against the run directory.
 *
 * @param label report label (default: the file's name without {@code _plan.json}: {@code plan}, {@code duo})
 * @param file  the plan file (default {@code artifacts/plan.json})
 */
public record PlanMethod(String label, String file) implements MethodSpec {
    public static final String NAME = "plan";

    public String fileOrDefault() {
        return file == null ? "artifacts/" + AttentionPlan.FILE : file;
    }

    @Override
    public String label() {
        if (label != null) return label;
        // the file's name without ".json" and a "_plan" suffix: plan.json -> plan, duo_plan.json -> duo
        String name = Path.of(fileOrDefault()).getFileName().toString().replaceFirst("\\.json$", "");
        return name.endsWith("_plan") ? name.substring(0, name.length() - "_plan".length()) : name;
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
        if (file != null) problems.check(!file.isBlank(), "file", "must not be blank");
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        Path path = context.runDirectory().resolve(fileOrDefault());
        AttentionPlan plan = AttentionPlan.read(path);
        String hash = ModelIdentity.configHash(context.model().directory());
        if (!plan.modelConfigHash().equals(hash)) {
            throw new HeadroomException(path + ": the plan was made for another model (config sha256 " + plan.modelConfigHash()
                    + ", this model's is " + hash + ")");
        }
        plan.checkFits(context.model().config(), path);
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
