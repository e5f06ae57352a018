package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The host side of the CUDA runtime that needs no GPU: weight layouts and the precision switch. */
class CudaRuntimeHostTest {
    @Test
    void ffnPadsToAMultipleOfEight() {
        assertEquals(176, CudaWeights.paddedFfn(172));
        assertEquals(96, CudaWeights.paddedFfn(96));
        assertEquals(8, CudaWeights.paddedFfn(1));
    }

    @Test
    void fusedRowsAndZeroPadding() {
        float[] a = {1, 2}, b = {3, 4, 5, 6};
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, CudaWeights.concatRows(a, b));
        // [2][3] to [2][4]: the new column is zero
        float[] m = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(new float[] {1, 2, 3, 0, 4, 5, 6, 0}, CudaWeights.padColumns(m, 2, 3, 4));
        // [2][3] to [3][3]: the new row is zero
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 0, 0, 0}, CudaWeights.padRows(m, 3, 3));
    }

    @Test
    void precisionParses() {
        assertEquals(CudaPrecision.FP32, CudaPrecision.parse(" FP32 "));
        assertEquals(CudaPrecision.BF16, CudaPrecision.parse("bf16"));
        assertThrows(IllegalArgumentException.class, () -> CudaPrecision.parse("fp16"));
        long small = CudaPrecision.SMALL_MODEL_PARAMETERS, large = small + 1;
        assertEquals(CudaPrecision.FP32, CudaPrecision.choose(null, small));
        assertEquals(CudaPrecision.FP32, CudaPrecision.choose("auto", 600_000));
        assertEquals(CudaPrecision.BF16, CudaPrecision.choose(" ", large));
        assertEquals(CudaPrecision.BF16, CudaPrecision.choose("bf16", small));
        assertEquals(CudaPrecision.FP32, CudaPrecision.choose("fp32", large));
    }
}
