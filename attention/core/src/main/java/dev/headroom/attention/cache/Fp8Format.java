package dev.headroom.attention.cache;

/**
 * Keys and values as FP8 e4m3 (one byte per element, the largest finite value 448), each scaled by
 * an fp32 factor chosen from the prompt: one per KV head, or one per layer for all its KV heads
 * (per tensor). This is the cheap baseline serving engines offer (vLLM's fp8 KV cache). Every
 * cached token is stored in fp8; nothing stays in full precision.
 */
public record Fp8Format(Fp8Scaling scaling) implements KvFormat {
    /** Where an fp8 cache's scale is shared. */
    public enum Fp8Scaling {
        @com.fasterxml.jackson.annotation.JsonProperty("per_tensor")
        PER_TENSOR,
        @com.fasterxml.jackson.annotation.JsonProperty("per_kv_head")
        PER_KV_HEAD
    }

    public Fp8Format {
        java.util.Objects.requireNonNull(scaling, "scaling");
    }

    @Override
    public String name() {
        return scaling == Fp8Scaling.PER_TENSOR ? "fp8" : "fp8-head";
    }

    /** One byte per element, plus the key and value scales (counted per head; fp32 each). */
    @Override
    public long bytes(long tokens, int headDim) {
        return 2L * tokens * headDim + (tokens > 0 ? 8 : 0);
    }
}
