package dev.headroom.attention.gpu;

import dev.headroom.attention.model.RopeConfig;

/**
 * Rotary position embeddings in place on bf16 heads, rotate-half layout (rope_bf16 in forward.cu),
 * with the math of attention/core's {@code RotaryTable}: the inverse frequencies of the {@link
 * RopeConfig} (default, linear or llama3 scaling) rounded to fp32, the angle their fp32 product
 * with the position, dimension i paired with i + headDim / 2. Rows of {@code rowStride} elements
 * hold {@code heads} heads from element {@code offset} on (one launch rotates the q and k heads of
 * a fused QKV row). headDim a multiple of 4.
 */
public final class RopeKernel implements AutoCloseable {
    static final int THREADS = 256;

    private final CudaContext cuda;
    private final int headDim;
    private final DeviceBuffer invFreq;

    public RopeKernel(CudaContext cuda, RopeConfig rope, int headDim) {
        if (headDim <= 0 || headDim % 4 != 0)
            throw new IllegalArgumentException("RoPE head dim must be a multiple of 4: " + headDim);
        this.cuda = cuda;
        this.headDim = headDim;
        float[] inv = inverseFrequencies(rope, headDim);
        this.invFreq = cuda.allocate(4L * inv.length).upload(inv);
    }

    /** The rotation frequency of each pair, as RotaryTable holds it (fp32): [headDim / 2]. */
    public static float[] inverseFrequencies(RopeConfig rope, int headDim) {
        double[] inv = rope.inverseFrequencies(headDim);
        float[] f = new float[inv.length];
        for (int i = 0; i < inv.length; i++) f[i] = (float) inv[i];
        return f;
    }

    /**
     * Rotates heads [0, heads) of each of {@code tokens} rows; positions: int [tokens] on the
     * device.
     */
    public void apply(
            DeviceBuffer x,
            DeviceBuffer positions,
            int tokens,
            int heads,
            long rowStride,
            long offset) {
        if (offset + (long) heads * headDim > rowStride)
            throw new IllegalArgumentException("heads run past the row");
        if (rowStride % 2 != 0 || offset % 2 != 0)
            throw new IllegalArgumentException("RoPE rows and offsets must be even (bf16 pairs)");
        if (x.bytes() < 2 * rowStride * tokens || positions.bytes() < 4L * tokens)
            throw new IllegalArgumentException("RoPE buffers smaller than the shape");
        long threads = (long) tokens * heads * (headDim / 4);
        int blocks = (int) Math.min(65535 * 8L, (threads + THREADS - 1) / THREADS);
        cuda.launch(
                cuda.function("forward", "rope_bf16"),
                new int[] {Math.max(1, blocks)},
                THREADS,
                0,
                x,
                positions,
                invFreq,
                tokens,
                heads,
                headDim,
                rowStride,
                offset);
    }

    /** Bytes moved: each rotated head read and written once, plus the positions. */
    public double bytes(int tokens, int heads) {
        return 2.0 * 2 * tokens * heads * headDim + 4.0 * tokens;
    }

    @Override
    public void close() {
        invFreq.close();
    }
}
