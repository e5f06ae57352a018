package dev.headroom.stages.linearize;

import java.io.Serializable;

/**
 * One point of a layer's attention-transfer curve: the MSE between the dense and the hybrid
 * attention output after {@code step} Adam steps.
 *
 * @param kvHead the KV head, or -1 for the mean over the layer's linearized heads
 * @param split {@code train} (the step's sample), {@code held_out} (the held-out samples), {@code
 *     final} (held-out, the kept maps) or {@code window_only} (held-out, sink + window alone)
 */
public record LinearizeLayerRow(int layer, int kvHead, int step, String split, double mse)
        implements Serializable {
    /** The values of {@code split}, the table's column. */
    static final String TRAIN = "train",
            HELD_OUT = "held_out",
            FINAL = "final",
            WINDOW_ONLY = "window_only";
}
