package dev.headroom.attention.cpu;

import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeProvider;
import java.nio.file.Path;
import java.util.Optional;

/** Registers the DJL CPU runtime as {@code backend: cpu}. */
public final class CpuRuntimeProvider implements RuntimeProvider {
    @Override
    public Backend backend() {
        return Backend.CPU;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public LanguageModelRuntime open(Path directory) {
        return LoadedModel.load(directory);
    }
}
