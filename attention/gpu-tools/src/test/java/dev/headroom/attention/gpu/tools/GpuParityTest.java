package dev.headroom.attention.gpu.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.GpuAvailability;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GPU-vs-float64 parity for every kernel family; skipped with a message where no GPU or driver
 * answers.
 */
class GpuParityTest {
    private static CudaContext cuda;

    @BeforeAll
    static void openContext() {
        if (GpuAvailability.probe().available()) cuda = new CudaContext();
    }

    @BeforeEach
    void needsGpu() {
        assumeTrue(cuda != null, "GPU parity skipped: " + GpuAvailability.probe().description());
    }

    @AfterAll
    static void closeContext() {
        if (cuda != null) cuda.close();
    }

    private static void check(Function<GpuParityCheck, List<GpuParityCheck.Result>> family) {
        for (GpuParityCheck.Result r : family.apply(new GpuParityCheck(cuda, System.nanoTime()))) {
            System.out.println(r);
            assertTrue(r.passed(), r.toString());
        }
    }

    @Test
    void prefill() {
        check(GpuParityCheck::prefill);
    }

    @Test
    void compressedDecode() {
        check(GpuParityCheck::compressedDecode);
    }

    @Test
    void kiviDecode() {
        check(GpuParityCheck::kiviDecode);
    }

    @Test
    void linear() {
        check(GpuParityCheck::linear);
    }

    @Test
    void linearLayers() {
        check(c -> c.family("gemm"));
    }

    @Test
    void forwardKernels() {
        check(c -> c.family("forward"));
    }
}
