package dev.headroom.stages.quantizekv;

import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;
import java.util.List;

/**
 * {@code - stage: quantize_kv}: KIVI quantization of the KV cache. It measures, per KV head and
 * width, what quantizing that head alone costs on the calibration data, and applies one scheme:
 * {@code apply_bits} everywhere, overridden per layer ({@code layer_bits}) and per KV head ({@code
 * head_bits}).
 *
 * @param bits widths measured (default [8, 4, 2]), keys and values alike at the stage's group and
 *     residual; the search's choices with {@code schemes}
 * @param schemes further schemes measured and offered to the search, each with its own key and
 *     value widths, group and residual (defaults: the stage's group and residual), e.g. {@code
 *     {key_bits: 4, value_bits: 2, group: 64, residual: 0}}
 * @param group tokens per key group and channels per value group, at most the head dim (default 32)
 * @param residual newest tokens kept in bf16, a multiple of the group (default 128, KIVI's)
 * @param sink first tokens kept in bf16 (default 0)
 * @param keys {@code post_rope} (default: KIVI, keys fitted as attention reads them) or {@code
 *     pre_rope} (KVQuant: fitted before RoPE and rotated back, the same bytes)
 * @param applyBits the width applied to every head (default 16: none quantized)
 * @param layerBits per-layer widths, over apply_bits
 * @param headBits per-(layer, KV head) widths, over both
 * @param addBos prepend the model's BOS id to the calibration prompts (default true)
 * @param lengths calibration lengths to measure at (default: the calibration section's); a width's
 *     harm grows with the context, so measure at the lengths the cache must serve
 * @param lossTemperature the sensitivity's answer loss is the cross-entropy of logits / T (default
 *     1); raise it for a model that answers with near certainty, as for the profile stage
 */
public record QuantizeKvParams(
        List<Integer> bits,
        List<SchemeParams> schemes,
        Integer group,
        Integer residual,
        Integer sink,
        String keys,
        Integer applyBits,
        List<LayerBits> layerBits,
        List<HeadBits> headBits,
        Boolean addBos,
        List<Integer> lengths,
        Double lossTemperature)
        implements StageParams {

    public double lossTemperatureOrDefault() {
        return lossTemperature == null ? 1.0 : lossTemperature;
    }

    /** {@code {key_bits: 4, value_bits: 2, group: 64, residual: 0}} */
    public record SchemeParams(
            Integer keyBits, Integer valueBits, Integer group, Integer residual) {}

    /**
     * Every scheme measured, in order: each of {@code bits} at the stage's group and residual, then
     * {@code schemes}; none twice.
     */
    public List<KvScheme> measuredSchemes() {
        java.util.LinkedHashSet<KvScheme> out = new java.util.LinkedHashSet<>();
        for (int b : bitsOrDefault())
            out.add(KvScheme.kivi(b, groupOrDefault(), residualOrDefault()));
        if (schemes != null)
            for (SchemeParams s : schemes)
                out.add(
                        new KvScheme(
                                s.keyBits(),
                                s.valueBits(),
                                s.group() == null ? groupOrDefault() : s.group(),
                                s.residual() == null ? residualOrDefault() : s.residual()));
        return List.copyOf(out);
    }

    /** {@code {layer: 0, bits: 4}} */
    public record LayerBits(Integer layer, Integer bits) {}

    /** {@code {layer: 0, kv_head: 1, bits: 2}} */
    public record HeadBits(Integer layer, Integer kvHead, Integer bits) {}

    public List<Integer> bitsOrDefault() {
        return bits == null ? List.of(8, 4, 2) : bits;
    }

    public int groupOrDefault() {
        return group == null ? KiviFormat.DEFAULT_GROUP : group;
    }

    public int residualOrDefault() {
        return residual == null ? KiviFormat.DEFAULT_RESIDUAL : residual;
    }

    public int sinkOrDefault() {
        return sink == null ? 0 : sink;
    }

    public KeyBasis keysOrDefault() {
        return keys == null ? KeyBasis.POST_ROPE : KeyBasis.parse(keys);
    }

    /** The stage's group and residual with these per-head widths. */
    public KvQuantization quantization(List<Integer> bits) {
        return KvQuantization.uniform(
                groupOrDefault(), residualOrDefault(), sinkOrDefault(), keysOrDefault(), bits);
    }

    public boolean addBosOrDefault() {
        return addBos == null || addBos;
    }

    /** The width applied to (layer, KV head). */
    public int appliedBits(int layer, int kvHead) {
        if (headBits != null)
            for (HeadBits h : headBits)
                if (h.layer() == layer && h.kvHead() == kvHead) return h.bits();
        if (layerBits != null)
            for (LayerBits l : layerBits) if (l.layer() == layer) return l.bits();
        return applyBits == null ? 16 : applyBits;
    }

    private static boolean validWidth(Integer b, boolean sixteen) {
        return b != null && (b == 8 || b == 4 || b == 2 || (sixteen && b == 16));
    }

    @Override
    public void validate(ConfigProblems p, ModelFacts model) {
        int hd = model.config().headDim(), layers = model.config().numLayers();
        int kv = model.config().numKvHeads();
        if (bits != null) {
            if (bits.isEmpty()) p.error("bits", "is empty; give widths from 8, 4, 2");
            for (int i = 0; i < bits.size(); i++)
                if (!validWidth(bits.get(i), false))
                    p.error("bits", i, bits.get(i) + " is not one of 8, 4, 2");
        }
        p.range(group, "group", 1, model.config().maxPositions());
        p.range(lossTemperature, "loss_temperature", 0.01, 1000);
        if (lengths != null)
            p.nonEmptyInRange(lengths, "lengths", 2, model.config().maxPositions());
        p.range(residual, "residual", 0, model.config().maxPositions());
        p.range(sink, "sink", 0, model.config().maxPositions());
        if (keys != null && KeyBasis.parse(keys) == null)
            p.error("keys", "'" + keys + "' is not post_rope or pre_rope");
        int g = groupOrDefault();
        if (g >= 1 && residualOrDefault() % g != 0)
            p.error("residual", residualOrDefault() + " is not a multiple of the group " + g);
        if (g >= 1 && hd % Math.min(g, hd) != 0)
            p.error("group", "the head dim " + hd + " is not a multiple of " + g);
        if (schemes != null)
            for (int i = 0; i < schemes.size(); i++) {
                SchemeParams sp = schemes.get(i);
                ConfigProblems at = p.at("schemes", i);
                if (!validWidth(sp.keyBits(), false))
                    at.error("key_bits", sp.keyBits() + " is not one of 8, 4, 2");
                if (!validWidth(sp.valueBits(), false))
                    at.error("value_bits", sp.valueBits() + " is not one of 8, 4, 2");
                at.range(sp.group(), "group", 1, model.config().maxPositions());
                at.range(sp.residual(), "residual", 0, model.config().maxPositions());
                int sg = sp.group() == null ? g : sp.group();
                int sr = sp.residual() == null ? residualOrDefault() : sp.residual();
                if (sg >= 1 && sr % sg != 0)
                    at.error("residual", sr + " is not a multiple of the group " + sg);
                if (sg >= 1 && hd % Math.min(sg, hd) != 0)
                    at.error("group", "the head dim " + hd + " is not a multiple of " + sg);
            }
        if (applyBits != null && !validWidth(applyBits, true))
            p.error("apply_bits", applyBits + " is not one of 16, 8, 4, 2");
        if (layerBits != null)
            for (int i = 0; i < layerBits.size(); i++) {
                LayerBits l = layerBits.get(i);
                ConfigProblems at = p.at("layer_bits", i);
                if (at.required(l.layer(), "layer")) at.range(l.layer(), "layer", 0, layers - 1);
                if (!validWidth(l.bits(), true))
                    at.error("bits", l.bits() + " is not one of 16, 8, 4, 2");
            }
        if (headBits != null)
            for (int i = 0; i < headBits.size(); i++) {
                HeadBits h = headBits.get(i);
                ConfigProblems at = p.at("head_bits", i);
                if (at.required(h.layer(), "layer")) at.range(h.layer(), "layer", 0, layers - 1);
                if (at.required(h.kvHead(), "kv_head")) at.range(h.kvHead(), "kv_head", 0, kv - 1);
                if (!validWidth(h.bits(), true))
                    at.error("bits", h.bits() + " is not one of 16, 8, 4, 2");
            }
    }
}
