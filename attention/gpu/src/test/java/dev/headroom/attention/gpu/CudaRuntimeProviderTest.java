package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.RuntimeProvider;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The GPU backend's registration: found by ServiceLoader; where no GPU answers it says why, and
 * opening fails in one line.
 */
class CudaRuntimeProviderTest {
    @Test
    void registeredAsTheGpuBackend() {
        RuntimeProvider found = null;
        for (RuntimeProvider p : ServiceLoader.load(RuntimeProvider.class)) {
            if (p.backend() == Backend.GPU) found = p;
        }
        assertNotNull(found, "no GPU provider in META-INF/services");
        assertTrue(found instanceof CudaRuntimeProvider);
    }

    @Test
    void unavailableOnlyWhereNoGpuAnswers() {
        CudaRuntimeProvider provider = new CudaRuntimeProvider();
        GpuAvailability gpu = GpuAvailability.probe();
        if (gpu.available()) {
            assertEquals(Optional.empty(), provider.unavailableReason());
            return;
        }
        assertEquals(Optional.of(gpu.description()), provider.unavailableReason());
        HeadroomException e =
                assertThrows(HeadroomException.class, () -> provider.open(Path.of("models/none")));
        assertEquals("backend gpu: " + gpu.description(), e.getMessage());
    }

    @Test
    void probingNeverThrows() {
        GpuAvailability gpu = GpuAvailability.probe();
        assertTrue(!gpu.description().isEmpty(), "the probe says what it found");
    }
}
