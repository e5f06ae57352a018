package dev.headroom.attention.policy;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.plan.AttentionPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies an {@link AttentionPlan}: each KV head gets its own sink and its length-scaled window.
 */
public final class PlanPolicy implements AttentionPolicy {
    private final AttentionPlan plan;
    private final String name;
    private final int cacheBytesPerElement;

    public PlanPolicy(AttentionPlan plan, String name, int cacheBytesPerElement) {
        this.plan = plan;
        this.name = name;
        this.cacheBytesPerElement = cacheBytesPerElement;
    }

    public PlanPolicy(AttentionPlan plan, String name) {
        this(plan, name, 2);
    }

    public AttentionPlan plan() {
        return plan;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        FullPrecisionKv unquantized = new FullPrecisionKv(cacheBytesPerElement);
        List<KvHeadAttention> heads = new ArrayList<>();
        for (int h = 0; h < context.config().numKvHeads(); h++) {
            int l = context.layer();
            heads.add(
                    new KvHeadAttention(
                            HeadPattern.of(plan.head(l, h), context.promptLength()),
                            plan.scheme(l, h).isFullPrecision()
                                    ? unquantized
                                    : KvFormats.of(plan, l, h)));
        }
        return new LayerAttention(heads);
    }
}
