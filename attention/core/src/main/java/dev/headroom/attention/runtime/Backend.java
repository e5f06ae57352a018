package dev.headroom.attention.runtime;

import java.util.Locale;

/**
 * Which implementation of {@link LanguageModelRuntime} runs a model: {@code auto} takes the GPU
 * when its runtime is present and a device answers, else the CPU; {@code cpu} is the DJL runtime;
 * {@code gpu} insists on CUDA; {@code oracle} is the float64 reference (slow; for checks).
 */
public enum Backend {
    AUTO,
    CPU,
    GPU,
    ORACLE;

    public static Backend parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "backend must be auto, cpu, gpu or oracle, not '" + text + "'", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
