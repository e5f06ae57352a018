package dev.headroom.attention.model;

/**
 * Rotary position embedding settings, read from either {@code rope_theta}/{@code rope_scaling} or
 * transformers 5's {@code rope_parameters}. Types: {@code default}, {@code linear} (positions
 * divided by {@code factor}) and {@code llama3} (Llama 3.1's frequency-dependent scaling).
 */
public record RopeConfig(
        String type,
        double theta,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositions)
        implements java.io.Serializable {

    public static RopeConfig unscaled(double theta) {
        return new RopeConfig("default", theta, 1, 0, 0, 0);
    }

    /**
     * The rotation frequency of each pair of dimensions, in radians per position: {@code [headDim /
     * 2]}.
     */
    public double[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // float32 exponent as transformers computes it, so long contexts rotate identically
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0 / Math.pow(theta, exponent);
        }
        switch (type) {
            case "default" -> {}
            case "linear" -> {
                for (int i = 0; i < half; i++) inv[i] /= factor;
            }
            case "llama3" -> {
                double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
                double highFreqWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] = inv[i] / factor;
                    } else if (wavelen >= highFreqWavelen) {
                        double smooth =
                                (originalMaxPositions / wavelen - lowFreqFactor)
                                        / (highFreqFactor - lowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }
                }
            }
            default -> throw new IllegalStateException("unsupported rope type " + type);
        }
        return inv;
    }
}
