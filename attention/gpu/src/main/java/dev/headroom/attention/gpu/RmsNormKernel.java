package dev.headroom.attention.gpu;

/**
 * RMSNorm of the fp32 residual stream into the bf16 input of the next linear layer (rmsnorm_f32 in
 * forward.cu): y[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, one CTA per row, fp32 arithmetic
 * and one rounding to bf16. {@link #addAndNormalize} first adds a bf16 delta into x in place (the
 * residual add fused into the norm that follows it). x [rows][dim] fp32, weight [dim] bf16, y
 * [rows][dim] bf16; dim a multiple of 4.
 */
public final class RmsNormKernel {
    static final int THREADS = 256;

    private final CudaContext cuda;

    public RmsNormKernel(CudaContext cuda) {
        this.cuda = cuda;
    }

    public void run(
            DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, int rows, int dim, float eps) {
        launch(x, null, weight, y, rows, dim, eps);
    }

    /** x += delta (bf16), then y = RMSNorm(x) * weight. */
    public void addAndNormalize(
            DeviceBuffer x,
            DeviceBuffer delta,
            DeviceBuffer weight,
            DeviceBuffer y,
            int rows,
            int dim,
            float eps) {
        if (delta.bytes() < 2L * rows * dim)
            throw new IllegalArgumentException("delta smaller than [rows][dim] bf16");
        launch(x, delta, weight, y, rows, dim, eps);
    }

    private void launch(
            DeviceBuffer x,
            DeviceBuffer delta,
            DeviceBuffer weight,
            DeviceBuffer y,
            int rows,
            int dim,
            float eps) {
        if (rows <= 0 || dim <= 0 || dim % 4 != 0)
            throw new IllegalArgumentException(
                    "RMSNorm rows " + rows + " dim " + dim + ": dim must be a multiple of 4");
        if (x.bytes() < 4L * rows * dim
                || y.bytes() < 2L * rows * dim
                || weight.bytes() < 2L * dim) {
            throw new IllegalArgumentException("RMSNorm buffers smaller than the shape");
        }
        cuda.launch(
                cuda.function("forward", "rmsnorm_f32"),
                new int[] {rows},
                THREADS,
                0,
                x,
                delta,
                weight,
                y,
                dim,
                eps);
    }

    /** Bytes moved: x read (and written back when a delta is added), delta, weight, y. */
    public static double bytes(int rows, int dim, boolean withDelta) {
        double r = (double) rows * dim;
        return 4 * r * (withDelta ? 2 : 1) + (withDelta ? 2 * r : 0) + 2.0 * dim + 2 * r;
    }
}
