package dev.headroom.stages.quantizekv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.stages.shared.KvQuantArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kv_quant.json: sensitivities per scheme round-trip; files of one width per entry still read. */
class KvQuantArtifactTest {
    @TempDir Path dir;

    @Test
    void schemesRoundTripInMeasurementOrder() throws Exception {
        KvScheme split = new KvScheme(4, 2, 128, 0), two = KvScheme.kivi(2, 32, 32);
        Map<KvScheme, Double> s = new LinkedHashMap<>();
        s.put(two, 0.05);
        s.put(split, 0.02);
        new KvQuantArtifact(32, 32, 0, KeyBasis.PRE_ROPE, new int[][] {{16}}, List.of(List.of(s)))
                .write(dir);
        KvQuantArtifact back = KvQuantArtifact.read(dir, 1, 1);
        assertEquals(List.of(two, split), back.measuredSchemes());
        assertEquals(0.02, back.sensitivity(0, 0, split));
        assertEquals(0, back.sensitivity(0, 0, KvScheme.BF16));
    }

    @Test
    void readsAFileOfWidthsAtTheFilesGroupAndResidual() throws Exception {
        Files.writeString(
                dir.resolve(KvQuantArtifact.FILE),
                """
                {"format": "headroom-kv-quant", "version": 1, "group": 32, "residual": 64,
                 "sink": 4, "keys": "post_rope",
                 "heads": [{"layer": 0, "kv_head": 0, "bits": 16,
                            "sensitivity": {"2": 0.5, "4": 0.1}}]}
                """);
        KvQuantArtifact back = KvQuantArtifact.read(dir, 1, 1);
        assertEquals(0.5, back.sensitivity(0, 0, KvScheme.kivi(2, 32, 64)));
        assertEquals(0.1, back.sensitivity(0, 0, KvScheme.kivi(4, 32, 64)));
    }
}
