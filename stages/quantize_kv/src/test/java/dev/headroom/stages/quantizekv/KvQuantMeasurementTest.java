package dev.headroom.stages.quantizekv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.stages.shared.KvQuantRow;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The quantize_kv measures against hand computations, and on the demo model. */
class KvQuantMeasurementTest {
    private static final Path DEMO =
            Path.of(System.getProperty("headroom.repo.root", "../..")).resolve("models/demo");

    @Test
    void answerLossIsTheMeanTemperedCrossEntropy() {
        float ln3 = (float) Math.log(3);
        float[] last = {0, ln3}; // p(1) = 3/4
        float[][] rows = {{ln3, 0}}; // p(0) = 3/4
        assertEquals(
                -Math.log(0.75),
                KvQuantMeasurement.answerLoss(last, rows, new int[] {1, 0}, 1),
                1e-6);
        // at T = 2 the logits halve: p(1) = sqrt(3) / (1 + sqrt(3))
        double p = Math.sqrt(3) / (1 + Math.sqrt(3));
        assertEquals(
                -Math.log(p),
                KvQuantMeasurement.answerLoss(last, new float[0][], new int[] {1}, 2),
                1e-6);
    }

    @Test
    void errorsAgainstHandComputedCases() {
        float[][] ref = {{3, 4}}, got = {{3, 5}};
        assertEquals(1 / 5.0, KvQuantMeasurement.relativeRms(got, ref), 1e-9);
        // one query head over two keys: scores q.k / sqrt(2) = 0 and 1 / sqrt(2)
        float[][][] q = {{{1, 0}}};
        float[][] k = {{0, 1}, {1, 0}}, v = {{1, 0}, {0, 1}};
        assertEquals(0, KvQuantMeasurement.attentionError(q, 0, 1, k, v, k, v), 0);
        double e = Math.exp(1 / Math.sqrt(2)), w0 = 1 / (1 + e), w1 = e / (1 + e);
        float[][] v2 = {{1, 0}, {0, 2}}; // the second value doubles: output (w0, 2 w1) vs (w0, w1)
        double expected = w1 / Math.hypot(w0, w1);
        assertEquals(expected, KvQuantMeasurement.attentionError(q, 0, 1, k, v, k, v2), 1e-9);
    }

    @Test
    void narrowerCodesCostMoreOnTheDemoModel() {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            Random r = new Random(5);
            int[] prompt = new int[300], answer = new int[6];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 4 + r.nextInt(400);
            for (int i = 0; i < answer.length; i++) answer[i] = 4 + r.nextInt(400);
            CalibrationSample s =
                    CalibrationSample.promptAndAnswer("random", 306, 0, prompt, answer, -1, -1);
            List<KvQuantRow> rows =
                    KvQuantMeasurement.measure(
                            model,
                            s,
                            List.of(
                                    KvScheme.kivi(8, 32, 32),
                                    KvScheme.kivi(4, 32, 32),
                                    KvScheme.kivi(2, 32, 32),
                                    SPLIT),
                            KvQuantization.uniform(32, 32, 0, KeyBasis.POST_ROPE, List.of()),
                            1.0);
            var c = model.config();
            assertEquals(c.numLayers() * c.numKvHeads() * 4, rows.size());
            for (int l = 0; l < c.numLayers(); l++)
                for (int h = 0; h < c.numKvHeads(); h++) {
                    KvQuantRow b8 = find(rows, l, h, 8),
                            b4 = find(rows, l, h, 4),
                            b2 = find(rows, l, h, 2);
                    // each halving of the width roughly quadruples the step: the errors grow
                    assertTrue(b8.keyError() < b4.keyError() && b4.keyError() < b2.keyError());
                    assertTrue(
                            b8.valueError() < b4.valueError() && b4.valueError() < b2.valueError());
                    assertTrue(b8.attentionError() < b2.attentionError());
                    assertTrue(b8.keyError() < 0.02, "8-bit keys within 2%: " + b8.keyError());
                    assertTrue(Math.abs(b8.sensitivity()) < 1e-2, "8 bits barely move the loss");
                    assertTrue(b2.keyError() > 0.05, "2-bit keys are coarse: " + b2.keyError());
                    // 4-bit keys and 2-bit values: each half as coarse as its own width
                    KvQuantRow split = find(rows, l, h, SPLIT);
                    assertTrue(split.keyError() < b2.keyError(), "4-bit keys finer than 2-bit");
                    assertTrue(split.valueError() > b4.valueError(), "2-bit values coarser");
                }
        }
    }

    private static final KvScheme SPLIT = new KvScheme(4, 2, 64, 0);

    private static KvQuantRow find(List<KvQuantRow> rows, int l, int h, int bits) {
        return find(rows, l, h, KvScheme.kivi(bits, 32, 32));
    }

    private static KvQuantRow find(List<KvQuantRow> rows, int l, int h, KvScheme scheme) {
        return rows.stream()
                .filter(x -> x.layer() == l && x.kvHead() == h && x.scheme().equals(scheme))
                .findFirst()
                .orElseThrow();
    }
}
