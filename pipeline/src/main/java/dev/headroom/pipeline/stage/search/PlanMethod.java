package dev.headroom.pipeline.stage.search;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.pipeline.config.ConfigProblems;
import dev.headroom.pipeline.config.ModelFacts;
import dev.headroom.pipeline.registry.MethodDefinition;
import dev.headroom.pipeline.registry.MethodSpec;
import dev.headroom.pipeline.registry.StageContext;
import dev.headroom.stages.evaluate.EvalMethod;
import java.nio.file.Path;

/**
 * {@code - method: plan}: a plan file applied per KV head (by default the search stage's chosen plan,
 * {@code artifacts/plan.json}; {@code file: artifacts/duo_plan.json} for the DuoAttention baseline). A relative
 * {@code file} is resolved against the run directory.
 *
 * @param label report label (default {@code plan}, or {@code duo} for the duo plan file)
 * @param file  the plan file (default {@code artifacts/plan.json})
 */
public record PlanMethod(String label, String file) implements MethodSpec {
    public static final String NAME = "plan";

    public String fileOrDefault() {
        return file == null ? "artifacts/" + SearchStage.PLAN_FILE : file;
    }

    @Override
    public String label() {
        if (label != null) return label;
        return fileOrDefault().endsWith(SearchStage.DUO_PLAN_FILE) ? "duo" : "plan";
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
