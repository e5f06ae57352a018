package dev.headroom.stages.quantizekv;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import dev.headroom.stages.shared.KvQuantRow;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/** One calibration sample to a row per (layer, KV head, scheme): {@link KvQuantMeasurement}. */
final class MeasureQuantizationFn extends DoFn<CalibrationSpec, KV<String, KvQuantRow>> {
    private final Counter samples = Metrics.counter(MeasureQuantizationFn.class, "samples");
    private final Distribution sampleMillis =
            Metrics.distribution(MeasureQuantizationFn.class, "sample_millis");
    private final String modelDir;
    private final boolean addBos;
    private final List<KvScheme> schemes;
    private final KvQuantization shared; // sink and key basis
    private final double temperature;
    private final String progressKey;
    private transient LoadedModel model;
    private transient Map<TaskSpec, TaskGenerator> generators;

    MeasureQuantizationFn(
            String modelDir, QuantizeKvParams params, boolean addBos, String progressKey) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.schemes = params.measuredSchemes();
        this.shared = params.quantization(List.of());
        this.temperature = params.lossTemperatureOrDefault();
        this.progressKey = progressKey;
    }

    @Setup
    public void setup() {
        model = LoadedModel.shared(Path.of(modelDir));
        generators = new HashMap<>();
    }

    @ProcessElement
    public void processElement(
            @Element CalibrationSpec spec, OutputReceiver<KV<String, KvQuantRow>> out) {
        long t0 = System.nanoTime();
        List<KvQuantRow> rows;
        try {
            CalibrationSample s = CalibrationSamples.forSpec(spec, model, addBos, generators);
            rows = KvQuantMeasurement.measure(model, s, schemes, shared, temperature);
        } catch (RuntimeException e) {
            throw new CaseFailedException("quantize_kv " + spec.coordinates(), e);
        }
        for (KvQuantRow r : rows) out.output(KV.of(r.key(), r));
        samples.inc();
        sampleMillis.update((System.nanoTime() - t0) / 1_000_000);
        if (progressKey != null) RunProgress.workDone(progressKey);
    }
}
