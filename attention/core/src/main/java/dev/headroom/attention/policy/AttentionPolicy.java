package dev.headroom.attention.policy;

import java.io.Serializable;

/**
 * A method of attending, applied to a whole model: decides, per layer and KV head, which keys are
 * seen and how the cache stores them. Policies are small serializable descriptions (spans, bit
 * widths, artifact paths), so Beam can ship them to workers; anything learned is loaded through
 * {@link LayerContext#artifacts()}.
 */
public interface AttentionPolicy extends Serializable {

    /** A short name for reports, e.g. {@code dense} or {@code uniform(sink=16,window=256)}. */
    String name();

    LayerAttention forLayer(LayerContext context);
}
