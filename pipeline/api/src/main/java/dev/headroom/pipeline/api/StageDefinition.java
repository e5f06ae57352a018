package dev.headroom.pipeline.api;

import dev.headroom.pipeline.report.RunReport;
import java.util.List;

/**
 * A stage as the pipeline knows it: its config name, its params type, what it writes and how it
 * runs. Implementations register themselves in {@code
 * META-INF/services/dev.headroom.pipeline.api.StageDefinition}; nothing else needs to know them.
 *
 * @param <P> the params record
 */
public interface StageDefinition<P extends StageParams> {

    /** The value of {@code stage:} in a config. */
    String name();

    /** One line for {@code --help}-style listings. */
    String description();

    Class<P> paramsType();

    /**
     * Files and directories (relative to the run directory) the stage writes; resume checks they
     * exist.
     */
    List<String> outputs(P params);

    /**
     * Units of work its params fix before the stage runs (an evaluate grid's elements).
     *
     * @param units how many
     * @param unit what they are, plural ("cases")
     */
    record PlannedWork(long units, String unit) {}

    /**
     * The work {@code params} plan, for the {@code runner.max_units} check at config validation;
     * null when the stage learns its size only as it runs.
     */
    default PlannedWork plannedWork(P params) {
        return null;
    }

    /** Builds and runs the stage's Beam pipeline(s) and writes {@link #outputs}. */
    void run(P params, StageContext context);

    /**
     * Adds the stage's part of the console summary and {@code report.html}, from its outputs on
     * disk.
     */
    default void report(P params, StageContext context, RunReport report) {}
}
