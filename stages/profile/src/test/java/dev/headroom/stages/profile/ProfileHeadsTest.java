package dev.headroom.stages.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.plan.profile.HeadProfiler;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.plan.profile.SampleProfiler;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    private static final int BLOCK = 8, SINK = 1, LOCAL = 8;
    private static final int SAMPLES = 3;

    /**
     * Each sample profiled on its own, outside Beam, and the values of every (layer, head, kv_head,
     * length, metric) averaged here by hand: the sum over the samples that have the key, divided by
     * their number.
     */
    private static Map<String, Double> handAverages(List<CalibrationSpec> specs) {
        LoadedModel model = LoadedModel.shared(MODEL.toAbsolutePath());
        SampleProfiler profiler = new SampleProfiler(new HeadProfiler(BLOCK, SINK, LOCAL), 1.0);
        TaskGenerator copy = TaskFactory.build(TaskSpec.of("copy"), model, false);
        Map<String, List<Double>> perKey = new TreeMap<>();
        for (CalibrationSpec spec : specs) {
            var sample =
                    CalibrationSamples.of(
                            copy.generate(spec.length(), spec.depth(), spec.sample(), spec.seed()),
                            model,
                            false,
                            false);
            for (ProfileRow r : profiler.profile(model, sample)) {
                perKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
            }
        }
        Map<String, Double> mean = new TreeMap<>();
        int varying = 0;
        for (var e : perKey.entrySet()) {
            List<Double> values = e.getValue();
            assertEquals(SAMPLES, values.size(), "every sample measures " + e.getKey());
            double sum = 0;
            for (double v : values) sum += v;
            mean.put(e.getKey(), sum / values.size());
            if (values.stream().distinct().count() > 1) varying++;
        }
        // the average is only checked where the samples disagree: most keys must
        assertTrue(
                varying > perKey.size() / 2,
                varying + " of " + perKey.size() + " keys vary over samples");
        return mean;
    }

    @Test
    void averagesEveryHeadMetricOverSamples() {
        List<CalibrationSpec> specs = new ArrayList<>();
        for (int len : new int[] {32, 48}) {
            for (int s = 0; s < SAMPLES; s++)
                specs.add(new CalibrationSpec(TaskSpec.of("copy"), len, 0.5, s, 5L, false));
        }
        Map<String, Double> expected = handAverages(specs);

        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<ProfileRow> rows =
                p.apply(Create.of(specs).withCoder(SerializableCoder.of(CalibrationSpec.class)))
                        .apply(
                                new ProfileHeads(
                                        MODEL.toAbsolutePath().toString(),
                                        false,
                                        BLOCK,
                                        SINK,
                                        LOCAL,
                                        1.0,
                                        null));
        PAssert.that(rows)
                .satisfies(
                        all -> {
                            Map<String, Double> got = new TreeMap<>();
                            int influence32 = 0, retrieval = 0;
                            for (ProfileRow r : all) {
                                assertNull(
                                        got.put(r.key(), r.value()),
                                        "one averaged row per key: " + r.key());
                                if (r.length() == 32
                                        && r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX))
                                    influence32++;
                                if (r.metric().equals(ProfileRow.RETRIEVAL)) {
                                    retrieval++;
                                    assertTrue(r.value() >= 0 && r.value() <= 1, r.toString());
                                }
                            }
                            assertEquals(expected.keySet(), got.keySet(), "the same keys");
                            List<String> off = new ArrayList<>();
                            for (var e : expected.entrySet()) {
                                double want = e.getValue(), have = got.get(e.getKey());
                                // summation order only
                                if (Math.abs(want - have) > 1e-12 + 1e-9 * Math.abs(want))
                                    off.add(e.getKey() + ": " + have + ", by hand " + want);
                            }
                            assertTrue(
                                    off.isEmpty(),
                                    off.size()
                                            + " averages differ from the hand computation:\n"
                                            + String.join("\n", off));
                            // 2 layers x 4 heads x 4 bins (32 tokens / 8) at length 32
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
