package dev.headroom.attention.policy;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;

/** The cache format a plan's per-head schemes mean: bf16, else KIVI codes. */
public final class KvFormats {
    private KvFormats() {}

    /** The format of a head stored as {@code scheme} under a plan's shared sink and key basis. */
    public static KvFormat of(KvQuantization q, KvScheme scheme) {
        return scheme.isFullPrecision()
                ? FullPrecisionKv.BF16
                : new KiviFormat(scheme, q.sink(), q.keys());
    }

    /** How a plan stores (layer, KV head)'s keys and values. */
    public static KvFormat of(AttentionPlan plan, int layer, int kvHead) {
        return plan.kvQuantization() == null
                ? FullPrecisionKv.BF16
                : of(plan.kvQuantization(), plan.scheme(layer, kvHead));
    }
}
