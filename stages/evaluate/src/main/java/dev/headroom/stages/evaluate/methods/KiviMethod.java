package dev.headroom.stages.evaluate.methods;

import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.QuantizedKvPolicy;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.EvalMethod;
import dev.headroom.pipeline.api.MethodDefinition;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageContext;

/**
 * {@code - method: kivi}: dense attention over a KIVI cache in every head (Liu et al. 2024): keys
 * quantized per channel, values per token, to {@code bits} bits in groups of {@code group}, the
 * newest {@code residual} tokens and the first {@code sink} kept in bf16. The prompt is attended in
 * full precision and then stored quantized, so every generated token sees the quantized cache.
 *
 * @param label report label (default {@code kivi<bits>} at the default residual 128, else {@code
 *     kivi<bits>-r<residual>}, with {@code -g<group>} and {@code -s<sink>} when not the defaults)
 * @param bits 2, 4 or 8
 * @param group tokens per key group and channels per value group (default 32)
 * @param residual newest tokens kept in bf16, a multiple of the group (default 128)
 * @param sink first tokens kept in bf16 (default 0)
 * @param keys {@code post_rope} (default, KIVI's keys as attention reads them) or {@code pre_rope}
 *     (KVQuant: keys fitted before RoPE, the same bytes; the label gains {@code -prerope})
 */
public record KiviMethod(
        String label, Integer bits, Integer group, Integer residual, Integer sink, String keys)
        implements MethodSpec {
    public static final String NAME = "kivi";

    public KiviFormat format() {
        return new KiviFormat(
                bits,
                group == null ? KiviFormat.DEFAULT_GROUP : group,
                residual == null ? KiviFormat.DEFAULT_RESIDUAL : residual,
                sink == null ? 0 : sink,
                keys == null ? KeyBasis.POST_ROPE : KeyBasis.parse(keys));
    }

    @Override
    public String label() {
        if (label != null) return label;
        KiviFormat f = format();
        return NAME
                + f.keyBits()
                + (f.residual() == KiviFormat.DEFAULT_RESIDUAL && residual == null
                        ? ""
                        : "-r" + f.residual())
                + (f.group() == KiviFormat.DEFAULT_GROUP ? "" : "-g" + f.group())
                + (f.sink() == 0 ? "" : "-s" + f.sink())
                + (f.keys() == KeyBasis.PRE_ROPE ? "-prerope" : "");
    }

    @Override
    public void validate(ConfigProblems problems, ModelFacts model) {
        if (!problems.required(bits, "bits")) return;
        if (bits != 2 && bits != 4 && bits != 8) {
            problems.error("bits", bits + " is not one of 2, 4, 8");
            return;
        }
        problems.range(group, "group", 1, model.config().headDim());
        problems.range(residual, "residual", 0, model.config().maxPositions());
        problems.range(sink, "sink", 0, model.config().maxPositions());
        int g = group == null ? KiviFormat.DEFAULT_GROUP : group;
        int r = residual == null ? KiviFormat.DEFAULT_RESIDUAL : residual;
        if (g >= 1 && r % g != 0)
            problems.error("residual", r + " is not a multiple of the group " + g);
        int hd = model.config().headDim();
        if (g >= 1 && hd % g != 0)
            problems.error("group", "the head dim " + hd + " is not a multiple of " + g);
        if (keys != null && KeyBasis.parse(keys) == null)
            problems.error("keys", "'" + keys + "' is not post_rope or pre_rope");
        if (label != null) problems.check(!label.isBlank(), "label", "must not be blank");
    }

    @Override
    public EvalMethod resolve(StageContext context) {
        return new EvalMethod(label(), new QuantizedKvPolicy(new DensePolicy(), format(), label()));
    }

    /** Registers {@code kivi}. */
    public static final class Definition implements MethodDefinition {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<? extends MethodSpec> specType() {
            return KiviMethod.class;
        }
    }
}
