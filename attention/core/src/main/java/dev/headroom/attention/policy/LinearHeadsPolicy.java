package dev.headroom.attention.policy;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.pattern.HeadPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Some KV heads linearized, the others as a base policy says. A linearized head attends with
 * LoLCATs' hybrid attention (exact softmax over its sink + window, linear attention with its
 * trained feature maps over everything earlier) and keeps a fixed-size state; its maps are the
 * linearize stage's {@link LinearHeads#FILE}, loaded once per JVM through the {@link
 * ArtifactResolver}. Without the linear part the same heads keep only their exact sink + window:
 * the baseline that shows what the linear part adds. So does a head whose linear part the linearize
 * stage's gate switched off ({@link LinearHeads#linearPart}).
 */
public final class LinearHeadsPolicy implements AttentionPolicy {
    private final AttentionPolicy base;
    private final boolean[][] chosen; // [L][KV]; null: every head the file linearized
    private final boolean linearPart;
    private final String name;

    /**
     * @param base how the heads that stay exact attend
     * @param chosen the heads to linearize, [layer][KV head]; null for every head the file holds
     * @param linearPart false: the chosen heads keep their sink + window only, without the state
     */
    public LinearHeadsPolicy(
            AttentionPolicy base, boolean[][] chosen, boolean linearPart, String name) {
        this.base = base;
        this.chosen = chosen == null ? null : deepCopy(chosen);
        this.linearPart = linearPart;
        this.name = name;
    }

    private static boolean[][] deepCopy(boolean[][] a) {
        boolean[][] c = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    @Override
    public String name() {
        return name;
    }

    /** The feature maps through the context's resolver, read once per JVM. */
    static LinearHeads linearHeads(LayerContext context) {
        int layers = context.config().numLayers(), kv = context.config().numKvHeads();
        return context.artifacts()
                .load(LinearHeads.FILE, LinearHeads.class, p -> LinearHeads.read(p, layers, kv));
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        LayerAttention exact = base.forLayer(context);
        LinearHeads heads = linearHeads(context);
        int l = context.layer();
        List<KvHeadAttention> out = new ArrayList<>();
        for (int h = 0; h < exact.kvHeads(); h++) {
            boolean linear = chosen == null ? heads.trained(l, h) : chosen[l][h];
            if (!linear) {
                out.add(exact.head(h));
                continue;
            }
            HedgehogMaps maps = heads.maps(l, h);
            if (maps == null)
                throw new HeadroomException(
                        name
                                + ": layer "
                                + l
                                + " KV head "
                                + h
                                + " should be linear, but the linearize stage did not train it"
                                + " (its heads: setting)");
            HeadPattern window = HeadPattern.sinkWindow(maps.sink(), maps.window());
            out.add(
                    new KvHeadAttention(
                            window,
                            linearPart && heads.linearPart(l, h)
                                    ? new HybridLinearFormat(2, maps)
                                    : new FullPrecisionKv(2)));
        }
        return new LayerAttention(out);
    }
}
