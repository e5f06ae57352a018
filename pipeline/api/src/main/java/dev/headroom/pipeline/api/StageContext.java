package dev.headroom.pipeline.api;

import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;

/**
 * What a running stage may use: the model, the calibration source, the run directory's folders, and
 * pipelines made for the configured runner. The engine implements it; stages see only this.
 */
public interface StageContext {

    ModelFacts model();

    /**
     * The config's {@code calibration} section, the one data source of every fitting stage (null
     * when absent).
     */
    CalibrationSettings calibration();

    Path runDirectory();

    /** {@code <run>/artifacts}: plans, configs, provenance. */
    default Path artifacts() {
        return runDirectory().resolve("artifacts");
    }

    /** {@code <run>/reports}: the Parquet tables. */
    default Path reports() {
        return runDirectory().resolve("reports");
    }

    /** {@code <run>/.beam-temp}: scratch space for writers, removed when a pipeline ends. */
    default Path tempDirectory() {
        return runDirectory().resolve(".beam-temp");
    }

    /** Workers the configured runner runs at once (the {@code runner.parallelism} in force). */
    default int parallelism() {
        return 1;
    }

    PrintStream out();

    PrintStream err();

    /** A new pipeline for the configured runner, its job named after the run and this stage. */
    Pipeline newPipeline();

    /**
     * Key under which this stage's DoFns report finished work for the progress line ({@link
     * RunProgress}).
     */
    String progressKey();

    /**
     * Runs a pipeline to completion, printing progress on stderr ({@code total} units of work
     * counted through {@link #progressKey()}). A user-facing error inside (a failing case) is
     * rethrown as such.
     */
    void run(Pipeline pipeline, long total, String unit);
}
