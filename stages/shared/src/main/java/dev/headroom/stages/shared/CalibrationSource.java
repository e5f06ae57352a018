package dev.headroom.stages.shared;

import dev.headroom.attention.HeadroomException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.api.CalibrationSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one source of calibration data for every stage that fits something to the model (profile,
 * search, and the coming quantize_kv and linearize): the config's {@code calibration} section as
 * sample specs, and a held-out draw of the same data that no fitting sample saw.
 */
public final class CalibrationSource {
    /**
     * Added to the seed of held-out synthetic samples, so they differ from every fitting sample.
     */
    static final long HELD_OUT_SEED_SHIFT = 7919;

    private final CalibrationSettings settings;

    public CalibrationSource(CalibrationSettings settings) {
        if (settings == null || settings.lengths() == null || settings.lengths().isEmpty()) {
            throw new HeadroomException(
                    "the config needs a calibration section with lengths for this stage");
        }
        this.settings = settings;
    }

    public CalibrationSettings settings() {
        return settings;
    }

    /**
     * The fitting samples: one spec per task x length x sample, needle depths spread evenly over
     * the samples; or, for a JSONL source, one per line x length (the first {@code samples} lines).
     *
     * @param alignAnswers score the dense model's own greedy answers rather than the references
     */
    public List<CalibrationSpec> fitting(boolean alignAnswers) {
        return specs(settings, alignAnswers, 0);
    }

    /**
     * Held-out samples at {@code length}: synthetic tasks drawn with another seed, or the JSONL
     * lines after the fitting ones. Answers are the references.
     */
    /** The same data at other lengths (a stage that must measure at its target lengths). */
    public CalibrationSource withLengths(List<Integer> lengths) {
        CalibrationSettings c = settings;
        return new CalibrationSource(
                new CalibrationSettings(
                        c.source(), c.tasks(), lengths, c.samples(), c.seed(), c.jsonl()));
    }

    /** The same source with other synthetic tasks (a stage that calibrates on more kinds). */
    public CalibrationSource withTasks(List<String> tasks) {
        CalibrationSettings c = settings;
        return new CalibrationSource(
                new CalibrationSettings(
                        c.source(), tasks, c.lengths(), c.samples(), c.seed(), c.jsonl()));
    }

    public List<CalibrationSpec> heldOut(int length, int samples) {
        CalibrationSettings c = settings;
        CalibrationSettings shifted =
                new CalibrationSettings(
                        c.source(),
                        c.tasks(),
                        List.of(length),
                        samples,
                        c.seedOrDefault() + HELD_OUT_SEED_SHIFT,
                        c.jsonl());
        return specs(shifted, false, c.samplesOrDefault());
    }

    private static List<CalibrationSpec> specs(
            CalibrationSettings c, boolean align, int firstLine) {
        if (c.sourceOrDefault() == CalibrationSettings.Source.JSONL) {
            return JsonlCalibration.read(
                    Path.of(c.jsonl()), c.lengths(), firstLine, c.samplesOrDefault());
        }
        List<String> tasks =
                c.tasks() == null || c.tasks().isEmpty() ? List.of("passkey") : c.tasks();
        List<CalibrationSpec> specs = new ArrayList<>();
        int n = c.samplesOrDefault();
        for (String t : tasks) {
            for (int len : c.lengths()) {
                for (int s = 0; s < n; s++)
                    specs.add(
                            new CalibrationSpec(
                                    TaskSpec.of(t),
                                    len,
                                    (s + 0.5) / n,
                                    s,
                                    c.seedOrDefault(),
                                    align));
            }
        }
        return specs;
    }
}
