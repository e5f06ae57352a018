package dev.headroom.attention.policy;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.KvQuantization;

/** The cache format a plan's per-head widths mean: bf16 at 16 bits, else KIVI codes. */
public final class KvFormats {
    private KvFormats() {}

    /** The format of a head with {@code bits} under a plan's shared KIVI settings. */
    public static KvFormat of(KvQuantization q, int bits) {
        return bits == KvQuantization.FULL_PRECISION
                ? FullPrecisionKv.BF16
                : new KiviFormat(bits, q.group(), q.residual(), q.sink(), q.keys());
    }

    /** How a plan stores (layer, KV head)'s keys and values. */
    public static KvFormat of(AttentionPlan plan, int layer, int kvHead) {
        return plan.kvQuantization() == null
                ? FullPrecisionKv.BF16
                : of(plan.kvQuantization(), plan.bits(layer, kvHead));
    }
}
