package dev.headroom.attention.gpu;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeProvider;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Registers {@code backend: gpu}. The kernels are here, the model runtime on them is not yet: until
 * it is, this provider answers that it cannot run, without probing JCuda (so {@code auto} stays on
 * the CPU and costs no driver load), and {@link #open} fails with the same line.
 */
public final class CudaRuntimeProvider implements RuntimeProvider {
    static final String NOT_BUILT = "the CUDA runtime is not built yet";

    @Override
    public Backend backend() {
        return Backend.GPU;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.of(NOT_BUILT);
    }

    @Override
    public LanguageModelRuntime open(Path directory) {
        throw new HeadroomException(NOT_BUILT);
    }
}
