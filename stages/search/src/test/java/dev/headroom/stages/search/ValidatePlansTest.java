package dev.headroom.stages.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.plan.profile.SampleProfiler;
import dev.headroom.stages.shared.CalibrationSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link ValidatePlans} against the serial loss loop it replaces, on the bundled demo model. */
class ValidatePlansTest {

    static Path demoModel() {
        String root = System.getProperty("headroom.repo.root");
        Path dir =
                (root != null ? Path.of(root) : Path.of("../..").toAbsolutePath().normalize())
                        .resolve("models/demo");
        Assumptions.assumeTrue(
                Files.isRegularFile(dir.resolve("model.safetensors")),
                "demo model missing: " + dir);
        return dir;
    }

    /** Every KV head of the demo model (3 layers x 2) at one span. */
    static List<HeadSpan> uniform(String kind, int sink, double alpha, double beta) {
        List<HeadSpan> heads = new ArrayList<>();
        for (int l = 0; l < 3; l++)
            for (int h = 0; h < 2; h++) heads.add(new HeadSpan(l, h, kind, sink, alpha, beta));
        return heads;
    }

    static List<CalibrationSpec> samples() {
        List<CalibrationSpec> out = new ArrayList<>();
        double[] depths = {0.0, 0.5, 1.0};
        for (int i = 0; i < depths.length; i++)
            out.add(new CalibrationSpec(TaskSpec.of("passkey"), 256, depths[i], i, 5L, false));
        return out;
    }

    /**
     * The loop the search stage ran in the driver before: worst or mean over the samples, in order.
     */
    static double serial(
            Path model, List<HeadSpan> heads, List<CalibrationSpec> specs, boolean worst) {
        LoadedModel m = LoadedModel.shared(model);
        var policy = ValidatePlans.policy(heads, null, "hash", 0.35);
        double sum = 0, max = 0;
        for (CalibrationSpec s : specs) {
            double loss =
                    SampleProfiler.loss(
                            m, ValidatePlans.sample(s, m, false, new HashMap<>()), policy);
            sum += loss;
            max = Math.max(max, loss);
        }
        return worst ? max : sum / specs.size();
    }

    @Test
    void oneLossPerCandidateEqualToTheSerialLoop() {
        Path model = demoModel();
        List<List<HeadSpan>> plans = List.of(uniform("full", 4, 0, 1), uniform("window", 4, 16, 0));
        List<CalibrationSpec> specs = samples();
        List<ValidatePlans.ValidationCase> cases = ValidatePlans.cases(plans, specs);
        assertEquals(6, cases.size());
        for (boolean worst : new boolean[] {true, false}) {
            TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
            PCollection<KV<Integer, Double>> losses =
                    p.apply(Create.of(cases).withCoder(ValidatePlans.CASE_CODER))
                            .apply(
                                    new ValidatePlans(
                                            model.toString(), false, "hash", 0.35, worst, null));
            PAssert.that(losses)
                    .containsInAnyOrder(
                            KV.of(0, serial(model, plans.get(0), specs, worst)),
                            KV.of(1, serial(model, plans.get(1), specs, worst)));
            p.run().waitUntilFinish();
        }
    }

    @Test
    void combineIsWorstOrMeanInSampleOrderWhateverTheMergeOrder() {
        var worst = new ValidatePlans.PlanLossFn(true);
        var mean = new ValidatePlans.PlanLossFn(false);
        List<KV<Integer, Double>> a = new ArrayList<>(List.of(KV.of(2, 0.3), KV.of(0, 0.1)));
        List<KV<Integer, Double>> b = new ArrayList<>(List.of(KV.of(1, 0.7)));
        assertEquals(0.7, worst.extractOutput(worst.mergeAccumulators(List.of(a, b))));
        double inOrder = (0.1 + 0.7 + 0.3) / 3;
        assertEquals(inOrder, mean.extractOutput(mean.mergeAccumulators(List.of(b, a))));
        assertEquals(inOrder, mean.extractOutput(mean.mergeAccumulators(List.of(a, b))));
    }
}
