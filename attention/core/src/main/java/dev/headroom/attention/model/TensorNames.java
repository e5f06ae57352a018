package dev.headroom.attention.model;

/** Hugging Face tensor names, shared by the Llama, Mistral and Qwen2 families. */
public final class TensorNames {
    private TensorNames() {}

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    public static final String ATTN_NORM = "input_layernorm.weight";
    public static final String MLP_NORM = "post_attention_layernorm.weight";
    public static final String Q = "self_attn.q_proj";
    public static final String K = "self_attn.k_proj";
    public static final String V = "self_attn.v_proj";
    public static final String O = "self_attn.o_proj";
    public static final String GATE = "mlp.gate_proj.weight";
    public static final String UP = "mlp.up_proj.weight";
    public static final String DOWN = "mlp.down_proj.weight";
}
