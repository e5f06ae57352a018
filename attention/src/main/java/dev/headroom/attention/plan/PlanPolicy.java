package dev.headroom.attention.plan;

import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.SinkWindowAttention;

/** Applies an {@link AttentionPlan}: each KV head gets its own sink and its length-scaled window. */
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
    public LayerAttention forLayer(ModelConfig config, int layer, int promptLength) {
        int kv = config.numKvHeads();
        int[] sink = new int[kv], window = new int[kv];
        for (int h = 0; h < kv; h++) {
            HeadSpan s = plan.head(layer, h);
            sink[h] = s.sink();
            window[h] = s.window(promptLength);
        }
        return new SinkWindowAttention(config, layer, sink, window, cacheBytesPerElement);
    }
}
