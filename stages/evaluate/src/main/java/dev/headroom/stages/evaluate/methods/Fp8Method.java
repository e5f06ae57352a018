package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.QuantizedKvPolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;

/**
 * {@code - method: fp8}: dense attention over an FP8 e4m3 cache, scaled per tensor (one scale per
 * layer, the default) or per KV head from the prompt's largest magnitude: the baseline serving
 * engines offer.
 *
 * @param label report label (default {@code fp8}, or {@code fp8-head} per KV head)
 * @param scaling {@code per_tensor} or {@code per_kv_head}
 */
public record Fp8Method(String label, Fp8Format.Fp8Scaling scaling) implements MethodSpec {
    public static final String NAME = "fp8";

    public Fp8Format format() {
        return new Fp8Format(scaling == null ? Fp8Format.Fp8Scaling.PER_TENSOR : scaling);
    }

    @Override
    public String label() {
        return label != null ? label : format().name();
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        return new EvalMethod(label(), new QuantizedKvPolicy(new DensePolicy(), format(), label()));
    }

    /** Registers {@code fp8}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return Fp8Method.class;
        }
    }
}
