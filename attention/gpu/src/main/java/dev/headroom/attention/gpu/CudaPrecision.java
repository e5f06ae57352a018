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
                    "GPU precision must be bf16, fp32 or auto, not '" + text + "'", e);
        }
    }

    /** Models up to this many parameters run in fp32 unless bf16 is asked for. */
    public static final long SMALL_MODEL_PARAMETERS = 500_000_000L;

    /** The precision the system property or the environment asks for, {@code auto} by default. */
    public static CudaPrecision configured(long parameters) {
        String p = System.getProperty("headroom.gpu.precision");
        if (p == null) p = System.getenv("HEADROOM_GPU_PRECISION");
        return choose(p, parameters);
    }

    static CudaPrecision choose(String setting, long parameters) {
        if (setting == null || setting.isBlank() || setting.trim().equalsIgnoreCase("auto"))
            return parameters <= SMALL_MODEL_PARAMETERS ? FP32 : BF16;
        return parse(setting);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
