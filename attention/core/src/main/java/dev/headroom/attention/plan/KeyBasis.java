package dev.headroom.attention.plan;

import java.util.Locale;

/**
 * Which keys a quantized cache fits its per-channel key groups over. Keys reach the cache rotated
 * by RoPE, so a channel pair of a high-frequency dimension swings through its range within a few
 * tokens and a group's [min, max] is wide. Before the rotation each channel keeps its own scale
 * (KVQuant, Hooper et al. 2024, "pre-RoPE key quantization"), so the same bits resolve it more
 * finely. The rotation is undone before fitting and redone on the dequantized keys; the stored
 * bytes are the same either way.
 */
public enum KeyBasis {
    /** Keys as attention reads them, after RoPE (KIVI). */
    POST_ROPE,
    /** Keys before RoPE: fitted un-rotated, rotated back on dequantization (KVQuant). */
    PRE_ROPE;

    /** The config spelling: {@code post_rope} or {@code pre_rope}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config spelling, or null when it is neither. */
    public static KeyBasis parse(String s) {
        for (KeyBasis b : values()) if (b.configName().equals(s)) return b;
        return null;
    }
}
