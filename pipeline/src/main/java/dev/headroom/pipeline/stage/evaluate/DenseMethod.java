package dev.headroom.pipeline.stage.evaluate;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.pipeline.config.ConfigProblems;
import dev.headroom.pipeline.config.ModelFacts;
import dev.headroom.pipeline.registry.MethodDefinition;
import dev.headroom.pipeline.registry.MethodSpec;
import dev.headroom.pipeline.registry.StageContext;
import dev.headroom.stages.evaluate.EvalMethod;

/**
 * {@code - method: dense}: full causal attention, the reference.
 *
 * @param label report label (default {@code dense})
 */
public record DenseMethod(String label) implements MethodSpec {

    public static final String NAME = "dense";

    @Override
    public String label() {
        return label == null ? NAME : label;
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) {
            problems.check(!label.isBlank(), "label", "must not be blank");
        }
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        return new EvalMethod(label(), new DensePolicy());
    }

    /** Registers {@code dense}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return DenseMethod.class;
        }
    }
}
