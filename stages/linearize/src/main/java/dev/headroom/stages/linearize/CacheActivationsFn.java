package dev.headroom.stages.linearize;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
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

/**
 * Runs one calibration sample through the model and writes its {@link ActivationCache}: through the
 * dense model, or with the layers before {@code fromLayer} linearized by the maps under {@code
 * upstreamRoot} (a folder laid out as a run directory).
 */
final class CacheActivationsFn extends DoFn<CacheActivationsFn.Job, String> {
    /** A sample and the file its activations go to. */
    record Job(CalibrationSpec spec, String file) implements Serializable {}

    /** How the layers before {@code fromLayer} attend; null root: dense. */
    record Upstream(AttentionPolicy policy, String root, int fromLayer) implements Serializable {
        static final Upstream DENSE = new Upstream(null, null, 0);
    }

    private final Counter samples = Metrics.counter(CacheActivationsFn.class, "samples_cached");
    private final String modelDir;
    private final boolean addBos;
    private final Upstream upstream;
    private final String progressKey;
    private transient LoadedModel model;
    private transient Map<TaskSpec, TaskGenerator> generators;

    CacheActivationsFn(String modelDir, boolean addBos, Upstream upstream, String progressKey) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.upstream = upstream;
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
            if (upstream.root() == null) ActivationCache.write(model, ids, Path.of(job.file()));
            else
                ActivationCache.write(
                        model,
                        ids,
                        Path.of(job.file()),
                        upstream.policy(),
                        ArtifactResolver.under(Path.of(upstream.root())),
                        upstream.fromLayer());
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
