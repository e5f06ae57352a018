package dev.headroom.attention.gpu;

import java.util.Locale;

/**
 * How the CUDA runtime computes. {@code BF16}: bf16 weights, bf16 inputs to the linear layers on
 * the tensor cores (fp32 accumulation), an fp32 residual stream, fp32 attention. {@code FP32}:
 * every weight and activation fp32 on plain fp32 kernels, for small models, so parity with the CPU
 * runtime is exact to fp32 rounding. Chosen by {@code -Dheadroom.gpu.precision=bf16|fp32} or {@code
 * HEADROOM_GPU_PRECISION} (default bf16).
 */
public enum CudaPrecision {
    BF16,
    FP32;

    public static CudaPrecision parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "GPU precision must be bf16 or fp32, not '" + text + "'", e);
        }
    }

    /** The precision the system property or the environment asks for, else bf16. */
    public static CudaPrecision configured() {
        String p = System.getProperty("headroom.gpu.precision");
        if (p == null) p = System.getenv("HEADROOM_GPU_PRECISION");
        return p == null || p.isBlank() ? BF16 : parse(p);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
