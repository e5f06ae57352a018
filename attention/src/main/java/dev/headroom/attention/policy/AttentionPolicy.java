package dev.headroom.attention.policy;

import dev.headroom.attention.model.ModelConfig;
import java.io.Serializable;

/**
 * A method of attending, applied to a whole model: makes each layer's {@link LayerAttention} for one sequence.
 * Policies are small serializable descriptions (spans, bit widths), so Beam can ship them to workers.
 */
public interface AttentionPolicy extends Serializable {

    /** A short name for reports, e.g. {@code dense} or {@code uniform(s=16,w=256)}. */
    String name();

    /**
     * @param promptLength the input length N of the sequence, for spans that scale with it (S = alpha + beta N)
     */
    LayerAttention forLayer(ModelConfig config, int layer, int promptLength);
}
