package dev.headroom.pipeline.config;

import dev.headroom.pipeline.api.CalibrationSettings;
import dev.headroom.pipeline.api.StageParams;
import java.util.List;

/**
 * A pipeline config file as bound: its paths absolute, resolved against the config file's directory
 * ({@link dev.headroom.pipeline.api.ConfigPath}). See the README's "The pipeline" section.
 *
 * @param model checkpoint directory, relative to the config file's directory
 * @param output run directory, relative to the config file's directory
 * @param runner runner settings (optional)
 * @param calibration calibration data for fitting stages (optional)
 * @param stages the stages, run in order
 */
public record PipelineConfig(
        @dev.headroom.pipeline.api.ConfigPath.Relative String model,
        @dev.headroom.pipeline.api.ConfigPath.Relative String output,
        RunnerSettings runner,
        CalibrationSettings calibration,
        List<StageParams> stages) {

    public RunnerSettings runnerOrDefault() {
        return runner == null ? RunnerSettings.defaults() : runner;
    }
}
