package dev.headroom.pipeline.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.config.ConfigLoader;
import dev.headroom.pipeline.registry.StageRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The YAML config reader on arbitrary bytes: it binds and validates the config or refuses it with
 * its own one-line {@link HeadroomException} (a {@code ConfigException} listing every problem); any
 * other exception, an out-of-memory or a hang is a finding. The config sits next to {@code
 * models/tiny}, a link to a test checkpoint, so that seeds get past the model check into the
 * stages' validation. {@code mvn -B verify} replays {@code ConfigFuzzTestInputs}; {@code
 * JAZZER_FUZZ=1 mvn -B test -pl pipeline -Dtest=ConfigFuzzTest} fuzzes (README, "Hostile input").
 */
class ConfigFuzzTest {
    private static final Path DIR;
    private static final ConfigLoader LOADER = new ConfigLoader(StageRegistry.load());

    static {
        try {
            DIR = Files.createTempDirectory("headroom-config-fuzz");
            Files.createDirectories(DIR.resolve("models"));
            Files.createSymbolicLink(DIR.resolve("models/tiny"), TestModels.tinyLlama());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void yamlConfig(byte[] data) throws IOException {
        Path f = DIR.resolve("config.yaml");
        Files.write(f, data);
        try {
            LOADER.load(f, DIR);
        } catch (HeadroomException expected) {
            // our own refusal
        }
    }
}
