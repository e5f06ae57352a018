package dev.headroom.stages.linearize;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;

/** Runs one calibration sample through the dense model and writes its {@link ActivationCache}. */
final class CacheActivationsFn extends DoFn<CacheActivationsFn.Job, String> {
    /** A sample and the file its activations go to. */
    record Job(CalibrationSpec spec, String file) implements Serializable {}

    private final Counter samples = Metrics.counter(CacheActivationsFn.class, "samples_cached");
    private final String modelDir;
    private final boolean addBos;
    private final String progressKey;
    private transient LoadedModel model;
    private transient Map<TaskSpec, TaskGenerator> generators;

    CacheActivationsFn(String modelDir, boolean addBos, String progressKey) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.progressKey = progressKey;
    }

    @Setup
    public void setup() {
        model = LoadedModel.shared(Path.of(modelDir));
        generators = new HashMap<>();
    }

    @ProcessElement
    public void processElement(@Element Job job, OutputReceiver<String> out) {
        try {
            int[] ids = CalibrationSamples.forSpec(job.spec(), model, addBos, generators).ids();
            ActivationCache.write(model, ids, Path.of(job.file()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new CaseFailedException("linearize " + job.spec().coordinates(), e);
        }
        samples.inc();
        out.output(job.file());
        if (progressKey != null) RunProgress.workDone(progressKey);
    }
}
