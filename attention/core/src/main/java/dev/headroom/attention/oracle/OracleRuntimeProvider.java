package dev.headroom.attention.oracle;

import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeProvider;
import java.nio.file.Path;
import java.util.Optional;

/** Registers the float64 oracle as {@code backend: oracle}. */
public final class OracleRuntimeProvider implements RuntimeProvider {
    @Override
    public Backend backend() {
        return Backend.ORACLE;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public LanguageModelRuntime open(Path directory) {
        return NaiveTransformer.load(directory);
    }
}
