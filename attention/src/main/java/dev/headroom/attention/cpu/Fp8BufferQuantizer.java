package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.quantize.Fp8E4m3;

/**
 * fp8 e4m3 in an fp32 buffer cache: every stored key and value is replaced by its fp8 value times a
 * scale fixed at the first append (the prompt's largest magnitude over 448, per KV head or over all
 * the cache's heads); later tokens saturate at 448 times the scale.
 */
final class Fp8BufferQuantizer extends BufferQuantizer {
    private final Fp8Format format;
    private float[][][] scale; // [B][n][key, value]
    private int batch, heads, position;

    Fp8BufferQuantizer(Fp8Format format, HeadPattern pattern, int headDim) {
        super(pattern, headDim);
        this.format = format;
    }

    @Override
    void afterStore(NdKvCache cache, Object before, NDArray kb, NDArray vb, int from, int to) {
        batch = (int) cache.keys.getShape().get(0);
        heads = (int) cache.keys.getShape().get(1);
        position = to;
        int[] pos = held(from, to, to);
        if (pos.length == 0) return;
        float[][][][] k = read(cache.keys, pos), v = read(cache.values, pos);
        if (scale == null) scale = scales(k, v);
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < pos.length; i++) {
                    round(k[b][h][i], scale[b][h][0]);
                    round(v[b][h][i], scale[b][h][1]);
                }
        write(cache.keys, pos, k);
        write(cache.values, pos, v);
    }

    private float[][][] scales(float[][][][] k, float[][][][] v) {
        float[][][] s = new float[batch][heads][2];
        for (int b = 0; b < batch; b++) {
            float[] tensor = new float[2];
            for (int h = 0; h < heads; h++) {
                s[b][h][0] = amax(k[b][h]) / Fp8E4m3.MAX;
                s[b][h][1] = amax(v[b][h]) / Fp8E4m3.MAX;
                tensor[0] = Math.max(tensor[0], s[b][h][0]);
                tensor[1] = Math.max(tensor[1], s[b][h][1]);
            }
            for (int h = 0; h < heads; h++) {
                if (format.scaling() == Fp8Format.Fp8Scaling.PER_TENSOR) s[b][h] = tensor.clone();
                for (int i = 0; i < 2; i++) if (s[b][h][i] == 0) s[b][h][i] = 1;
            }
        }
        return s;
    }

    private static float amax(float[][] rows) {
        float m = 0;
        for (float[] r : rows) for (float x : r) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static void round(float[] row, float scale) {
        for (int c = 0; c < row.length; c++)
            row[c] = Fp8E4m3.toFloat(Fp8E4m3.fromFloat(row[c] / scale)) * scale;
    }

    @Override
    long storedBytes() {
        return (long) batch * heads * format.bytes(pattern.heldTokens(position), headDim);
    }
}
