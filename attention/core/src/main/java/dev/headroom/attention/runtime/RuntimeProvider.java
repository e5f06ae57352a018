package dev.headroom.attention.runtime;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A backend's entry point, found by {@link java.util.ServiceLoader} on the classpath ({@code
 * META-INF/services/dev.headroom.attention.runtime.RuntimeProvider}): the core registers the
 * oracle, {@code attention} the DJL CPU runtime, {@code attention/gpu} the CUDA one.
 */
public interface RuntimeProvider {

    Backend backend();

    /** Empty when this backend can run here; else why not, in a few words. */
    Optional<String> unavailableReason();

    /**
     * Loads the checkpoint in {@code directory}; bad files fail with a one-line {@code
     * HeadroomException}.
     */
    LanguageModelRuntime open(Path directory);
}
