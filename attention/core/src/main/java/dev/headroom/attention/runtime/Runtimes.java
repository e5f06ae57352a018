package dev.headroom.attention.runtime;

import dev.headroom.attention.HeadroomException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Chooses and opens a {@link LanguageModelRuntime}, like Jlama's TensorOperations provider: {@code
 * auto} takes the GPU when its provider is on the classpath and can run, else the CPU, saying why
 * in one log line.
 */
public final class Runtimes {
    private static final Logger LOG = Logger.getLogger(Runtimes.class.getName());
    private static final Map<String, LanguageModelRuntime> SHARED = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger LOADS =
            new java.util.concurrent.atomic.AtomicInteger();

    private Runtimes() {}

    private static Map<Backend, RuntimeProvider> providers() {
        Map<Backend, RuntimeProvider> found = new EnumMap<>(Backend.class);
        for (RuntimeProvider p :
                ServiceLoader.load(RuntimeProvider.class, Runtimes.class.getClassLoader()))
            found.putIfAbsent(p.backend(), p);
        return found;
    }

    /** The backend that {@code requested} runs on here; {@code auto} never picks the oracle. */
    public static Backend resolve(Backend requested) {
        Map<Backend, RuntimeProvider> found = providers();
        if (requested != Backend.AUTO) {
            RuntimeProvider p = found.get(requested);
            if (p == null)
                throw new HeadroomException(
                        "backend " + requested.label() + ": its runtime is not on this classpath");
            Optional<String> why = p.unavailableReason();
            if (why.isPresent())
                throw new HeadroomException("backend " + requested.label() + ": " + why.get());
            return requested;
        }
        RuntimeProvider gpu = found.get(Backend.GPU);
        String gpuWhy =
                gpu == null
                        ? "no CUDA runtime on the classpath"
                        : gpu.unavailableReason().orElse(null);
        if (gpuWhy == null) return Backend.GPU;
        RuntimeProvider cpu = found.get(Backend.CPU);
        if (cpu == null || cpu.unavailableReason().isPresent()) {
            throw new HeadroomException(
                    "backend auto: no runtime can run here (gpu: "
                            + gpuWhy
                            + "; cpu: "
                            + (cpu == null
                                    ? "not on this classpath"
                                    : cpu.unavailableReason().get())
                            + ")");
        }
        LOG.fine("backend: auto uses cpu: gpu: " + gpuWhy);
        return Backend.CPU;
    }

    /** Loads {@code directory} on the resolved backend; the caller closes it. */
    public static LanguageModelRuntime open(Path directory, Backend requested) {
        return providers().get(resolve(requested)).open(directory);
    }

    /**
     * The runtime of {@code directory} on {@code requested}, loaded once per JVM and shared by
     * every worker thread (Beam DoFns load it in {@code @Setup}; elements never carry it). It stays
     * loaded for the life of the JVM.
     */
    public static LanguageModelRuntime shared(Path directory, Backend requested) {
        Backend b = resolve(requested);
        String key = b + "@" + directory.toAbsolutePath().normalize();
        return SHARED.computeIfAbsent(
                key,
                k -> {
                    LOADS.incrementAndGet();
                    return providers().get(b).open(directory.toAbsolutePath().normalize());
                });
    }

    /**
     * How many shared runtimes this JVM has loaded (tests check that it is once per directory and
     * backend).
     */
    public static int loads() {
        return LOADS.get();
    }
}
