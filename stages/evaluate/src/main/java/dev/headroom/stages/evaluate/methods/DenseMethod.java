package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;

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
