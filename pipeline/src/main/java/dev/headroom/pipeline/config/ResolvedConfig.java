package dev.headroom.pipeline.config;

import dev.headroom.pipeline.api.CalibrationSettings;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;
import java.nio.file.Path;
import java.util.List;

/**
 * A validated config with absolute paths, ready to run.
 *
 * @param file the YAML file
 * @param model the model (directory, config.json, tokenizer presence)
 * @param runDirectory the run directory
 * @param runner runner settings, command-line overrides applied
 * @param calibration calibration settings, or null
 * @param stages the stages in order
 * @param canonicalJson the config as canonical JSON (sorted keys, absolute paths, without the
 *     runner section)
 * @param hash SHA-256 of {@code canonicalJson}: two configs with the same hash do the same work
 */
public record ResolvedConfig(
        Path file,
        ModelFacts model,
        Path runDirectory,
        RunnerSettings runner,
        CalibrationSettings calibration,
        List<StageParams> stages,
        String canonicalJson,
        String hash) {

    public ResolvedConfig withRunner(RunnerSettings newRunner) {
        return new ResolvedConfig(
                file, model, runDirectory, newRunner, calibration, stages, canonicalJson, hash);
    }
}
