package dev.headroom.stages.profile;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.plan.profile.HeadProfiler;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.plan.profile.SampleProfiler;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Generates one calibration sample on the worker and profiles every head: rows keyed for averaging.
 */
final class ProfileSampleFn extends DoFn<CalibrationSpec, KV<String, ProfileRow>> {
    private final Counter samples = Metrics.counter(ProfileHeads.class, "samples_profiled");
    private final Distribution sampleTokens =
            Metrics.distribution(ProfileHeads.class, "sample_tokens");
    private final Distribution sampleMillis =
            Metrics.distribution(ProfileHeads.class, "sample_millis");

    private final String modelDir;
    private final boolean addBos;
    private final int block, sink, localDistance;
    private final double lossTemperature;
    private final String progressKey;
    private transient LoadedModel model;
    private transient SampleProfiler profiler;
    private transient Map<TaskSpec, TaskGenerator> generators;

    ProfileSampleFn(
            String modelDir,
            boolean addBos,
            int block,
            int sink,
            int localDistance,
            double lossTemperature,
            String progressKey) {
        this.lossTemperature = lossTemperature;
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.block = block;
        this.sink = sink;
        this.localDistance = localDistance;
        this.progressKey = progressKey;
    }

    @Setup
    public void setup() {
        model = LoadedModel.shared(Path.of(modelDir));
        profiler =
                new SampleProfiler(new HeadProfiler(block, sink, localDistance), lossTemperature);
        generators = new HashMap<>();
    }

    @ProcessElement
    public void processElement(
            @Element CalibrationSpec spec, OutputReceiver<KV<String, ProfileRow>> out) {
        long t0 = System.nanoTime();
        CalibrationSample sample;
        java.util.List<ProfileRow> rows;
        try {
            sample = CalibrationSamples.forSpec(spec, model, addBos, generators);
            rows = profiler.profile(model, sample);
        } catch (RuntimeException e) {
            throw new CaseFailedException("profile " + spec.coordinates(), e);
        }
        for (ProfileRow r : rows) out.output(KV.of(r.key(), r));
        samples.inc();
        sampleTokens.update(sample.ids().length);
        sampleMillis.update((System.nanoTime() - t0) / 1_000_000);
        if (progressKey != null) RunProgress.workDone(progressKey);
    }
}
