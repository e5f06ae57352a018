package dev.headroom.attention.gpu;

import jcuda.driver.CUfunction;

/**
 * Causal linear attention (linear_attention.cu): a chunked prefill that leaves the recurrent state
 * behind, and a recurrent decode step that continues from it. q and k arrive feature-mapped
 * (phi(q), phi(k)); with {@code normalize} the output is divided by q . sum(k), as in Katharopoulos
 * et al. 2020. State: [kvHeads][headDim][headDim] and [kvHeads][headDim], fp32, owned by this
 * object.
 */
public final class LinearAttentionKernel implements AutoCloseable {
    private static final int SLICE = 32; // value channels per prefill CTA (LIN_SLICE)

    private final CudaContext cuda;
    private final int heads, kvHeads, headDim;
    private final boolean normalize;
    private final DeviceBuffer state, norm;
    private final CUfunction prefill, decode;

    public LinearAttentionKernel(
            CudaContext cuda, int heads, int kvHeads, int headDim, boolean normalize) {
        new AttentionShape(heads, kvHeads, 1, headDim); // validates
        if (heads / kvHeads > 8)
            throw new IllegalArgumentException("at most 8 query heads per KV head");
        this.cuda = cuda;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.normalize = normalize;
        state = cuda.allocate(4L * kvHeads * headDim * headDim);
        norm = cuda.allocate(4L * kvHeads * headDim);
        prefill = cuda.function("linear_attention", "linear_prefill_d" + headDim);
        decode = cuda.function("linear_attention", "linear_decode_d" + headDim);
    }

    /**
     * Prefill of {@code length} tokens from an empty state; leaves the state for {@link
     * #decodeStep}.
     */
    public void prefill(
            DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer out, int length) {
        cuda.launch(
                prefill,
                new int[] {heads, headDim / SLICE},
                128,
                0,
                q,
                k,
                v,
                out,
                state,
                norm,
                heads,
                kvHeads,
                length,
                normalize ? 1 : 0);
    }

    /**
     * One token: q [heads][headDim], k, v [kvHeads][headDim]; updates the state, then writes out
     * [heads][headDim].
     */
    public void decodeStep(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer out) {
        cuda.launch(
                decode,
                new int[] {kvHeads},
                headDim,
                0,
                q,
                k,
                v,
                state,
                norm,
                out,
                heads,
                kvHeads,
                normalize ? 1 : 0);
    }

    /** Host-array prefill. */
    public short[] prefill(short[] q, short[] k, short[] v, int length) {
        try (DeviceBuffer dq = cuda.allocate(2L * q.length).upload(q);
                DeviceBuffer dk = cuda.allocate(2L * k.length).upload(k);
                DeviceBuffer dv = cuda.allocate(2L * v.length).upload(v);
                DeviceBuffer out = cuda.allocate(2L * q.length)) {
            out.poisonBf16();
            prefill(dq, dk, dv, out, length);
            cuda.synchronize();
            return out.downloadShorts(q.length);
        }
    }

    /** Host-array decode step. */
    public short[] decodeStep(short[] q, short[] k, short[] v) {
        try (DeviceBuffer dq = cuda.allocate(2L * q.length).upload(q);
                DeviceBuffer dk = cuda.allocate(2L * k.length).upload(k);
                DeviceBuffer dv = cuda.allocate(2L * v.length).upload(v);
                DeviceBuffer out = cuda.allocate(2L * q.length)) {
            out.poisonBf16();
            decodeStep(dq, dk, dv, out);
            cuda.synchronize();
            return out.downloadShorts(q.length);
        }
    }

    @Override
    public void close() {
        state.close();
        norm.close();
    }
}
