package dev.headroom.stages.shared;

import java.io.Serializable;

/**
 * One KV head stored at {@code bits} bits (every other head in bf16), measured on calibration
 * samples and averaged over them.
 *
 * @param keyError relative RMS error of the head's dequantized prompt keys
 * @param valueError relative RMS error of its dequantized prompt values
 * @param attentionError relative L2 error of the attention output of its query heads, for the
 *     answer's queries over the prompt's cache, against the bf16 cache
 * @param sensitivity the answer loss (mean cross-entropy per answer token, nats) with this head
 *     quantized, minus the loss with none quantized
 * @param samples calibration samples averaged
 */
public record KvQuantRow(
        int layer,
        int kvHead,
        int bits,
        double keyError,
        double valueError,
        double attentionError,
        double sensitivity,
        long samples)
        implements Serializable {

    /** The grouping key: (layer, KV head, bits). */
    public String key() {
        return layer + "/" + kvHead + "/" + bits;
    }
}
