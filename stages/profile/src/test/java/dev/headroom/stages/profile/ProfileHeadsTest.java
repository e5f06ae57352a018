package dev.headroom.stages.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.shared.CalibrationSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** The profile transform on a tiny fixture model with the token-level copy task. */
class ProfileHeadsTest {
    private static final Path MODEL =
            Path.of(System.getProperty("headroom.repo.root", "../.."))
                    .resolve(
                            "attention/src/test/resources/hf-fixtures/llama_f32_untied_ropeparams");

    @Test
    void averagesEveryHeadMetricOverSamples() {
        List<CalibrationSpec> specs = new ArrayList<>();
        for (int len : new int[] {32, 48}) {
            for (int s = 0; s < 3; s++)
                specs.add(new CalibrationSpec(TaskSpec.of("copy"), len, 0.5, s, 5L, false));
        }
        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<ProfileRow> rows =
                p.apply(Create.of(specs).withCoder(SerializableCoder.of(CalibrationSpec.class)))
                        .apply(
                                new ProfileHeads(
                                        MODEL.toAbsolutePath().toString(),
                                        false,
                                        8,
                                        1,
                                        8,
                                        1.0,
                                        null));
        PAssert.that(rows)
                .satisfies(
                        all -> {
                            Map<String, Integer> perKey = new HashMap<>();
                            int influence32 = 0, retrieval = 0;
                            for (ProfileRow r : all) {
                                perKey.merge(r.key(), 1, Integer::sum);
                                assertTrue(Double.isFinite(r.value()), r.toString());
                                if (r.length() == 32
                                        && r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX))
                                    influence32++;
                                if (r.metric().equals(ProfileRow.RETRIEVAL)) {
                                    retrieval++;
                                    assertTrue(r.value() >= 0 && r.value() <= 1, r.toString());
                                }
                            }
                            // one averaged row per key; 2 layers x 4 heads x 4 bins (32 tokens / 8)
                            // at length 32
                            assertTrue(
                                    perKey.values().stream().allMatch(n -> n == 1),
                                    "averaged to one row per key");
                            assertEquals(2 * 4 * 4, influence32);
                            assertEquals(
                                    2 * 4 * 2,
                                    retrieval,
                                    "retrieval scores for both lengths (copy has a needle: its first copy)");
                            return null;
                        });
        p.run().waitUntilFinish();
    }
}
