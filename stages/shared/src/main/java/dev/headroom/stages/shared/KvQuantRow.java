package dev.headroom.stages.shared;

import dev.headroom.attention.plan.KvScheme;
import java.io.Serializable;

/**
 * One KV head stored in one KIVI scheme (every other head in bf16), measured on calibration samples
 * and averaged over them.
 *
 * @param keyBits the scheme's key width (2, 4 or 8)
 * @param valueBits its value width
 * @param group its tokens per key group (channels per value group, at most the head dim)
 * @param residual its newest tokens kept in bf16
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
        int keyBits,
        int valueBits,
        int group,
        int residual,
        double keyError,
        double valueError,
        double attentionError,
        double sensitivity,
        long samples)
        implements Serializable {

    /** What was measured: (layer, KV head) in a scheme. */
    public record Measured(int layer, int kvHead, KvScheme scheme) {}

    /** A row of measures for one head in one scheme. */
    public static KvQuantRow of(
            Measured what,
            double keyError,
            double valueError,
            double attentionError,
            double sensitivity,
            long samples) {
        KvScheme s = what.scheme();
        return new KvQuantRow(
                what.layer(),
                what.kvHead(),
                s.keyBits(),
                s.valueBits(),
                s.group(),
                s.residual(),
                keyError,
                valueError,
                attentionError,
                sensitivity,
                samples);
    }

    public KvScheme scheme() {
        return new KvScheme(keyBits, valueBits, group, residual);
    }

    public Measured measured() {
        return new Measured(layer, kvHead, scheme());
    }

    /** The grouping key: (layer, KV head, scheme). */
    public String key() {
        return layer + "/" + kvHead + "/" + scheme().label();
    }
}
