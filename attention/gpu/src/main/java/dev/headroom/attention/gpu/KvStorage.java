package dev.headroom.attention.gpu;

import dev.headroom.attention.model.ModelConfig;
import java.util.Locale;

/**
 * How a sequence's KV caches sit on the device. {@code FP32}: fp32 slots read by the runtime's
 * readable attention kernel (runtime.cu; any head dim, exact fp32 parity, slow at long contexts).
 * {@code BF16}: bf16 slots ({@link CompressedKvCache}) read by the flash prefill and split-K decode
 * kernels (head dims 64 and 128). The policy's patterns and byte counts are the same for both.
 * {@code -Dheadroom.gpu.kv=fp32|bf16} (or HEADROOM_GPU_KV) overrides the default: bf16 for bf16
 * models with those head dims, fp32 otherwise.
 */
public enum KvStorage {
    FP32,
    BF16;

    /** Device bytes one cached element takes. */
    int elementBytes() {
        return this == FP32 ? 4 : 2;
    }

    static KvStorage defaultFor(ModelConfig c, CudaPrecision precision) {
        String setting = System.getProperty("headroom.gpu.kv");
        if (setting == null) setting = System.getenv("HEADROOM_GPU_KV");
        if (setting != null && !setting.isBlank()) {
            KvStorage asked = valueOf(setting.trim().toUpperCase(Locale.ROOT));
            check(asked, c, precision);
            return asked;
        }
        return precision == CudaPrecision.BF16 && Bf16KvAttention.supports(c) ? BF16 : FP32;
    }

    /** Refuses bf16 caches where their kernels cannot run. */
    static void check(KvStorage storage, ModelConfig c, CudaPrecision precision) {
        if (storage == BF16 && (precision != CudaPrecision.BF16 || !Bf16KvAttention.supports(c)))
            throw new IllegalArgumentException(
                    "bf16 KV caches need bf16 precision and head dim 64 or 128, not "
                            + precision.label()
                            + " with head dim "
                            + c.headDim());
    }
}
