package dev.headroom.attention.model;

/**
 * The checkpoint families headroom runs. They share one forward pass; these flags say where they
 * differ.
 */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    public static Architecture fromHf(String name) {
        for (Architecture a : values()) if (a.hfName.equals(name)) return a;
        return null;
    }
}
