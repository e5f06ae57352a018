package dev.headroom.pipeline.config;

import dev.headroom.pipeline.api.CalibrationSettings;
import dev.headroom.pipeline.api.StageParams;
import java.util.List;

/**
 * A pipeline config file as written (paths unresolved). See the README's "The pipeline" section.
 *
 * @param model checkpoint directory, relative to the working directory
 * @param output run directory, relative to the working directory
 * @param runner runner settings (optional)
 * @param calibration calibration data for fitting stages (optional)
 * @param stages the stages, run in order
 */
public record PipelineConfig(
        String model,
        String output,
        RunnerSettings runner,
        CalibrationSettings calibration,
        List<StageParams> stages) {

    public RunnerSettings runnerOrDefault() {
        return runner == null ? RunnerSettings.defaults() : runner;
    }
}
