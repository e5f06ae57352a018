package dev.headroom.stages.shared.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.headroom.attention.HeadroomException;
import dev.headroom.stages.shared.KvQuantArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code kv_quant.json} reader on arbitrary bytes, for a model of 3 layers and 2 KV heads: it
 * reads the file (and its scheme and sensitivities can be asked for) or refuses it with its own
 * one-line {@link HeadroomException}; anything else is a finding. {@code mvn -B verify} replays
 * {@code KvQuantFuzzTestInputs}; {@code JAZZER_FUZZ=1 mvn -B test -pl stages/shared
 * -Dtest=KvQuantFuzzTest} fuzzes.
 */
class KvQuantFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("headroom-kvquant-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void kvQuant(byte[] data) throws IOException {
        Files.write(DIR.resolve(KvQuantArtifact.FILE), data);
        try {
            KvQuantArtifact a = KvQuantArtifact.read(DIR, 3, 2);
            a.quantization();
            for (var scheme : a.measuredSchemes()) a.sensitivity(0, 0, scheme);
        } catch (HeadroomException expected) {
            // our own refusal
        }
    }
}
