package dev.headroom.attention.model;

/**
 * cos/sin tables for rotary embeddings in the "rotate half" layout Hugging Face checkpoints use:
 * dimension i and i + hd/2 form a pair. Angles are computed in float32, as transformers computes
 * them, so positions far into a long context rotate exactly as the model was trained.
 */
public final class RotaryTable {
    private final float[] inverseFrequencies; // [hd/2]
    private final int headDim;

    public RotaryTable(ModelConfig config) {
        this.headDim = config.headDim();
        double[] inv = config.rope().inverseFrequencies(headDim);
        this.inverseFrequencies = new float[inv.length];
        for (int i = 0; i < inv.length; i++) inverseFrequencies[i] = (float) inv[i];
    }

    public float cos(int pos, int dim) {
        return (float) Math.cos(angle(pos, dim));
    }

    public float sin(int pos, int dim) {
        return (float) Math.sin(angle(pos, dim));
    }

    private float angle(int pos, int dim) {
        return inverseFrequencies[dim % (headDim / 2)] * (float) pos;
    }

    /** {cos, sin}, each [T * hd] row-major, for positions pos0 .. pos0+T-1. */
    public float[][] cosSin(int pos0, int t) {
        float[] c = new float[t * headDim], s = new float[t * headDim];
        for (int i = 0; i < t; i++) {
            for (int d = 0; d < headDim; d++) {
                c[i * headDim + d] = cos(pos0 + i, d);
                s[i * headDim + d] = sin(pos0 + i, d);
            }
        }
        return new float[][] {c, s};
    }

    /** One row [hd] rotated to position {@code pos} (x cos + rotate_half(x) sin), in place. */
    public void rotate(float[] row, int pos) {
        turn(row, pos, 1);
    }

    /** The inverse of {@link #rotate}: the row as it was before RoPE at {@code pos}, in place. */
    public void unrotate(float[] row, int pos) {
        turn(row, pos, -1);
    }

    private void turn(float[] row, int pos, int sign) {
        int half = headDim / 2;
        for (int d = 0; d < half; d++) {
            float c = cos(pos, d), s = sign * sin(pos, d);
            float a = row[d], b = row[d + half];
            row[d] = a * c - b * s;
            row[d + half] = b * c + a * s;
        }
    }
}
