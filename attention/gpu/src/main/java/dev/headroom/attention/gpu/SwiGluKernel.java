package dev.headroom.attention.gpu;

/**
 * SwiGLU of the fused gate|up projection (swiglu_bf16 in forward.cu): out[r][i] = silu(gate[r][i])
 * * up[r][i] in fp32, rounded once to bf16. gateUp [rows][2 ffn] bf16 (gate first), out [rows][ffn]
 * bf16; ffn a multiple of 8.
 */
public final class SwiGluKernel {
    static final int THREADS = 256;

    private final CudaContext cuda;

    public SwiGluKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    public void run(DeviceBuffer gateUp, DeviceBuffer out, int rows, int ffn) {
        if (rows <= 0 || ffn <= 0 || ffn % 8 != 0)
            throw new IllegalArgumentException("SwiGLU ffn must be a multiple of 8: " + ffn);
        if (gateUp.bytes() < 4L * rows * ffn || out.bytes() < 2L * rows * ffn)
            throw new IllegalArgumentException("SwiGLU buffers smaller than the shape");
        long threads = (long) rows * ffn / 8;
        int blocks = (int) Math.min(65535 * 8L, (threads + THREADS - 1) / THREADS);
        cuda.launch(
                cuda.function("forward", "swiglu_bf16"),
                new int[] {blocks},
                THREADS,
                0,
                gateUp,
                out,
                rows,
                ffn);
    }

    public static double bytes(int rows, int ffn) {
        return 3.0 * 2 * rows * ffn;
    }
}
