package dev.headroom.stages.search;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.eval.harness.CaseFailedException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.pipeline.api.RunProgress;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.plan.profile.SampleProfiler;
import dev.headroom.stages.shared.CalibrationSamples;
import dev.headroom.stages.shared.CalibrationSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Held-out validation of candidate plans, one element per (candidate plan x held-out sample).
 *
 * <p>Input: {@code PCollection<ValidationCase>}. Output: {@code PCollection<KV<Integer, Double>>},
 * one per candidate: its held-out answer loss, the largest over its samples ({@code worst}) or
 * their mean. Steps: {@code Loss per sample} (the sample is generated on the worker, the model
 * loaded once per JVM in {@code @Setup} through {@link LoadedModel#shared}) → {@code Combine per
 * plan} ({@link PlanLossFn}, which sorts by sample index before summing, so the mean does not
 * depend on the order a runner merged bundles in).
 *
 * <p>Metrics (namespace {@code ValidatePlans}): {@code samples_validated}, {@code sample_tokens},
 * {@code sample_millis}.
 */
public final class ValidatePlans
        extends PTransform<
                PCollection<ValidatePlans.ValidationCase>, PCollection<KV<Integer, Double>>> {

    /**
     * One candidate plan on one held-out sample.
     *
     * @param candidate candidate index (the combine key)
     * @param heads the candidate's spans, one per KV head
     * @param quantization the candidate's per-head KV widths, null for bf16 everywhere
     * @param sample the sample's position among the held-out samples (orders the mean)
     * @param spec the held-out sample, generated on the worker
     */
    public record ValidationCase(
            int candidate,
            List<HeadSpan> heads,
            KvQuantization quantization,
            int sample,
            CalibrationSpec spec)
            implements Serializable {}

    /**
     * The coder of {@link ValidationCase}: Java serialization, compared by its bytes (a case holds
     * arrays, so Java equality would set off the DirectRunner's mutation warnings).
     */
    public static final Coder<ValidationCase> CASE_CODER =
            new CustomCoder<>() {
                private final Coder<ValidationCase> java =
                        SerializableCoder.of(ValidationCase.class);

                @Override
                public void encode(ValidationCase value, OutputStream out) throws IOException {
                    java.encode(value, out);
                }

                @Override
                public ValidationCase decode(InputStream in) throws IOException {
                    return java.decode(in);
                }
            };

    private final String modelDir;
    private final boolean addBos;
    private final String configHash;
    private final double densityBudget;
    private final boolean worst;
    private final String progressKey;

    /**
     * @param worst the largest per-sample loss (true) or the mean (false)
     * @param progressKey {@link RunProgress} key, one unit per (candidate, sample); null for none
     */
    public ValidatePlans(
            String modelDir,
            boolean addBos,
            String configHash,
            double densityBudget,
            boolean worst,
            String progressKey) {
        this.modelDir = modelDir;
        this.addBos = addBos;
        this.configHash = configHash;
        this.densityBudget = densityBudget;
        this.worst = worst;
        this.progressKey = progressKey;
    }

    /**
     * Every candidate on every sample: candidate-major, {@code candidate} and {@code sample} the
     * list positions.
     */
    public static List<ValidationCase> cases(
            List<List<HeadSpan>> candidates, List<CalibrationSpec> samples) {
        List<KvQuantization> none = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) none.add(null);
        return cases(candidates, none, samples);
    }

    /** As above, candidate c's cache widths {@code quantizations.get(c)} (null: bf16). */
    public static List<ValidationCase> cases(
            List<List<HeadSpan>> candidates,
            List<KvQuantization> quantizations,
            List<CalibrationSpec> samples) {
        List<ValidationCase> out = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            for (int i = 0; i < samples.size(); i++)
                out.add(
                        new ValidationCase(
                                c, candidates.get(c), quantizations.get(c), i, samples.get(i)));
        }
        return out;
    }

    @Override
    public PCollection<KV<Integer, Double>> expand(PCollection<ValidationCase> cases) {
        return cases.apply(
                        "Loss per sample",
                        ParDo.of(
                                new LossFn(
                                        modelDir, addBos, configHash, densityBudget, progressKey)))
                .setCoder(
                        KvCoder.of(
                                VarIntCoder.of(), KvCoder.of(VarIntCoder.of(), DoubleCoder.of())))
                .apply("Combine per plan", Combine.perKey(new PlanLossFn(worst)))
                .setCoder(KvCoder.of(VarIntCoder.of(), DoubleCoder.of()));
    }

    /**
     * The policy a candidate is validated with (the plan's method and name are not used by the
     * attention).
     */
    static PlanPolicy policy(
            List<HeadSpan> heads,
            KvQuantization quantization,
            String configHash,
            double densityBudget) {
        return new PlanPolicy(
                new AttentionPlan(
                        "candidate",
                        configHash,
                        densityBudget,
                        List.of(),
                        heads,
                        Map.of(),
                        Map.of(),
                        quantization),
                "candidate");
    }

    /** A held-out sample from its spec, with the answers as the task gives them (not aligned). */
    static CalibrationSample sample(
            CalibrationSpec spec,
            LoadedModel model,
            boolean addBos,
            Map<TaskSpec, TaskGenerator> generators) {
        return CalibrationSamples.forSpec(spec, model, addBos, generators);
    }

    /** One (candidate, sample): its answer loss, keyed by candidate, with the sample index. */
    static final class LossFn extends DoFn<ValidationCase, KV<Integer, KV<Integer, Double>>> {
        private final Counter validated = Metrics.counter(ValidatePlans.class, "samples_validated");
        private final Distribution sampleTokens =
                Metrics.distribution(ValidatePlans.class, "sample_tokens");
        private final Distribution sampleMillis =
                Metrics.distribution(ValidatePlans.class, "sample_millis");

        private final String modelDir;
        private final boolean addBos;
        private final String configHash;
        private final double densityBudget;
        private final String progressKey;
        private transient LoadedModel model;
        private transient Map<TaskSpec, TaskGenerator> generators;

        LossFn(
                String modelDir,
                boolean addBos,
                String configHash,
                double densityBudget,
                String progressKey) {
            this.modelDir = modelDir;
            this.addBos = addBos;
            this.configHash = configHash;
            this.densityBudget = densityBudget;
            this.progressKey = progressKey;
        }

        @Setup
        public void setup() {
            model = LoadedModel.shared(Path.of(modelDir));
            generators = new HashMap<>();
        }

        @ProcessElement
        public void processElement(
                @Element ValidationCase c, OutputReceiver<KV<Integer, KV<Integer, Double>>> out) {
            long t0 = System.nanoTime();
            CalibrationSample sample;
            double loss;
            try {
                sample = sample(c.spec(), model, addBos, generators);
                loss =
                        SampleProfiler.loss(
                                model,
                                sample,
                                policy(c.heads(), c.quantization(), configHash, densityBudget));
            } catch (RuntimeException e) {
                throw new CaseFailedException(
                        "validate candidate " + c.candidate() + " on " + c.spec().coordinates(), e);
            }
            out.output(KV.of(c.candidate(), KV.of(c.sample(), loss)));
            validated.inc();
            sampleTokens.update(sample.ids().length);
            sampleMillis.update((System.nanoTime() - t0) / 1_000_000);
            RunProgress.workDone(progressKey);
        }
    }

    /**
     * A candidate's (sample index, loss) pairs to its validation loss: the largest (from 0) or the
     * mean, summed in sample order.
     */
    static final class PlanLossFn
            extends Combine.CombineFn<KV<Integer, Double>, List<KV<Integer, Double>>, Double> {
        private final boolean worst;

        PlanLossFn(boolean worst) {
            this.worst = worst;
        }

        @Override
        public List<KV<Integer, Double>> createAccumulator() {
            return new ArrayList<>();
        }

        @Override
        public List<KV<Integer, Double>> addInput(
                List<KV<Integer, Double>> acc, KV<Integer, Double> input) {
            acc.add(input);
            return acc;
        }

        @Override
        public List<KV<Integer, Double>> mergeAccumulators(
                Iterable<List<KV<Integer, Double>>> accumulators) {
            List<KV<Integer, Double>> merged = new ArrayList<>();
            for (List<KV<Integer, Double>> a : accumulators) merged.addAll(a);
            return merged;
        }

        @Override
        public Double extractOutput(List<KV<Integer, Double>> acc) {
            List<KV<Integer, Double>> sorted = new ArrayList<>(acc);
            sorted.sort(Comparator.comparing(KV::getKey));
            double sum = 0, max = 0;
            for (KV<Integer, Double> kv : sorted) {
                sum += kv.getValue();
                max = Math.max(max, kv.getValue());
            }
            return worst ? max : sum / sorted.size();
        }

        @Override
        public Coder<List<KV<Integer, Double>>> getAccumulatorCoder(
                CoderRegistry registry, Coder<KV<Integer, Double>> inputCoder)
                throws CannotProvideCoderException {
            return ListCoder.of(KvCoder.of(VarIntCoder.of(), DoubleCoder.of()));
        }
    }
}
