package dev.headroom.attention.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.attention.checkpoint.SafetensorsFile;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadroomPlanReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The core's file readers on arbitrary bytes: each either reads the file or refuses it with its own
 * one-line {@link HeadroomException}; any other exception, an out-of-memory or a hang is a finding.
 * {@code mvn -B verify} replays the inputs under {@code
 * src/test/resources/.../ParserFuzzTestInputs} (seeds and every finding's regression case); {@code
 * JAZZER_FUZZ=1 mvn -B test -pl attention/core -Dtest=ParserFuzzTest#METHOD} fuzzes one reader
 * (README, "Hostile input").
 */
class ParserFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("headroom-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file {@code name} in a fresh directory holding {@code data}. */
    private static Path file(String dir, String name, byte[] data) {
        try {
            Path d = Files.createDirectories(DIR.resolve(dir));
            Path f = d.resolve(name);
            Files.write(f, data);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ModelConfig demoConfig() {
        return ConfigReader.read(Path.of("..", "..", "models", "demo"));
    }

    @FuzzTest(maxDuration = "60s")
    void safetensorsHeader(byte[] data) {
        try (SafetensorsFile f = SafetensorsFile.open(file("st", "model.safetensors", data))) {
            f.tensors().size();
        } catch (HeadroomException expected) {
            // our own one-line refusal
        }
    }

    @FuzzTest(maxDuration = "60s")
    void configJson(byte[] data) {
        Path f = file("config", "config.json", data);
        try {
            ConfigReader.read(f.getParent());
        } catch (HeadroomException expected) {
        }
    }

    @FuzzTest(maxDuration = "60s")
    void headroomPlan(byte[] data) {
        Path f = file("plan", "plan.json", data);
        try {
            AttentionPlan p = HeadroomPlanReader.read(f);
            p.checkFits(demoConfig(), f);
        } catch (HeadroomException expected) {
        }
    }

    @FuzzTest(maxDuration = "60s")
    void artifactManifest(byte[] data) {
        Path f = file("manifest", ArtifactManifest.FILE, data);
        file("manifest", "weights.bin", new byte[] {1, 2, 3});
        try {
            ArtifactManifest.verify(f.getParent());
        } catch (HeadroomException expected) {
        }
    }

    @FuzzTest(maxDuration = "60s")
    void linearFeatureMaps(byte[] data) {
        Path f = file("linear", "feature_maps.safetensors", data);
        try {
            LinearHeads.read(f, 3, 2);
        } catch (HeadroomException expected) {
        }
    }
}
