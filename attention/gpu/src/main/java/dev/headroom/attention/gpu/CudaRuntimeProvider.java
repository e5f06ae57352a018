package dev.headroom.attention.gpu;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeProvider;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Registers {@code backend: gpu}: the {@link CudaModel} runtime, available when a CUDA driver and
 * GPU answer ({@link GpuAvailability}, probed once per JVM, never throwing). The precision is
 * {@link CudaPrecision#configured} ({@code auto}: fp32 for small models, bf16 above; or {@code
 * -Dheadroom.gpu.precision=bf16|fp32}).
 */
public final class CudaRuntimeProvider implements RuntimeProvider {

    @Override
    public Backend backend() {
        return Backend.GPU;
    }

    @Override
    public Optional<String> unavailableReason() {
        GpuAvailability gpu = GpuAvailability.probe();
        return gpu.available() ? Optional.empty() : Optional.of(gpu.description());
    }

    @Override
    public LanguageModelRuntime open(Path directory) {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) throw new HeadroomException("backend gpu: " + why.get());
        long parameters =
                dev.headroom.attention.model.ConfigReader.read(directory).parameterCount();
        return CudaModel.load(directory, CudaPrecision.configured(parameters));
    }
}
