package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.Fp8Format;
import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.cache.KiviFormat;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores a quantized format in an {@link NdKvCache}: after each append it quantizes the positions
 * the format's schedule says are due, keeps their packed codes (the storage the format counts), and
 * writes their dequantized values into the cache's fp32 buffers, where the attention kernel reads
 * them. Each code is dequantized once, when it is made, rather than at every decode step; the
 * values attention sees are the same. Tokens still in a full-precision region stay as they came.
 */
abstract class BufferQuantizer {

    /**
     * The quantizer of a format, or null for a full-precision one.
     *
     * @param rope the model's rotary table, for formats that fit keys before RoPE
     */
    static BufferQuantizer of(
            KvFormat format, HeadPattern pattern, int heads, int headDim, RotaryTable rope) {
        if (format instanceof FullPrecisionKv || format instanceof HybridLinearFormat) return null;
        if (format instanceof KiviFormat k)
            return new KiviBufferQuantizer(k, pattern, headDim, rope);
        if (format instanceof Fp8Format f) return new Fp8BufferQuantizer(f, pattern, headDim);
        throw new IllegalArgumentException("the CPU runtime has no cache for format " + format);
    }

    protected final HeadPattern pattern;
    protected final int headDim;

    BufferQuantizer(HeadPattern pattern, int headDim) {
        this.pattern = pattern;
        this.headDim = headDim;
    }

    /**
     * Called before positions [from, to) are stored: reads what the quantization after the store
     * needs from rows the store may overwrite (a ring's oldest slots). The default needs nothing.
     */
    Object beforeStore(NdKvCache cache, int from, int to) {
        return null;
    }

    /**
     * Positions [from, to), given as k and v [B, n, to - from, hd], were just stored in the cache's
     * buffers; quantize what is due.
     */
    abstract void afterStore(
            NdKvCache cache, Object before, NDArray k, NDArray v, int from, int to);

    /** Bytes the packed storage and full-precision regions of all sequences and heads hold. */
    abstract long storedBytes();

    /**
     * Reads the rows of held positions from a buffer [B, n, slots, hd] as [B][n][positions][hd],
     * one slot run at a time.
     */
    protected float[][][][] read(NDArray buffer, int[] positions) {
        Shape s = buffer.getShape();
        int b = (int) s.get(0), n = (int) s.get(1);
        float[][][][] out = new float[b][n][positions.length][];
        for (int[] run : runs(positions)) {
            int s0 = KvSlots.slot(pattern, positions[run[0]]), len = run[1] - run[0];
            float[] flat = buffer.get(new NDIndex(":, :, {}:{}", s0, s0 + len)).toFloatArray();
            for (int i = 0; i < b; i++)
                for (int h = 0; h < n; h++)
                    for (int r = 0; r < len; r++) {
                        float[] row = new float[headDim];
                        System.arraycopy(flat, ((i * n + h) * len + r) * headDim, row, 0, headDim);
                        out[i][h][run[0] + r] = row;
                    }
        }
        return out;
    }

    /**
     * Rows of positions [from, from + t) from an appended block [B, n, t, hd], as
     * [B][n][positions][hd].
     */
    protected float[][][][] readAppended(NDArray block, int from, int[] positions) {
        Shape s = block.getShape();
        int b = (int) s.get(0), n = (int) s.get(1), t = (int) s.get(2);
        float[] flat = block.toFloatArray();
        float[][][][] out = new float[b][n][positions.length][];
        for (int i = 0; i < b; i++)
            for (int h = 0; h < n; h++)
                for (int r = 0; r < positions.length; r++) {
                    float[] row = new float[headDim];
                    System.arraycopy(
                            flat,
                            ((i * n + h) * t + positions[r] - from) * headDim,
                            row,
                            0,
                            headDim);
                    out[i][h][r] = row;
                }
        return out;
    }

    /** Writes rows [B][n][positions][hd] back into their slots. */
    protected void write(NDArray buffer, int[] positions, float[][][][] rows) {
        Shape s = buffer.getShape();
        int b = (int) s.get(0), n = (int) s.get(1);
        for (int[] run : runs(positions)) {
            int s0 = KvSlots.slot(pattern, positions[run[0]]), len = run[1] - run[0];
            float[] flat = new float[b * n * len * headDim];
            for (int i = 0; i < b; i++)
                for (int h = 0; h < n; h++)
                    for (int r = 0; r < len; r++)
                        System.arraycopy(
                                rows[i][h][run[0] + r],
                                0,
                                flat,
                                ((i * n + h) * len + r) * headDim,
                                headDim);
            buffer.set(
                    new NDIndex(":, :, {}:{}", s0, s0 + len),
                    buffer.getManager().create(flat, new Shape(b, n, len, headDim)));
        }
    }

    /** Index ranges [i0, i1) of positions whose slots are consecutive. */
    private List<int[]> runs(int[] positions) {
        List<int[]> runs = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= positions.length; i++) {
            if (i == positions.length
                    || KvSlots.slot(pattern, positions[i])
                            != KvSlots.slot(pattern, positions[i - 1]) + 1) {
                if (i > start) runs.add(new int[] {start, i});
                start = i;
            }
        }
        return runs;
    }

    /** The positions in [from, to) still held after {@code end} tokens. */
    protected int[] held(int from, int to, int end) {
        int[] out = new int[Math.max(0, to - from)];
        int m = 0;
        for (int p = from; p < to; p++) if (KvSlots.held(pattern, p, end)) out[m++] = p;
        return java.util.Arrays.copyOf(out, m);
    }
}
