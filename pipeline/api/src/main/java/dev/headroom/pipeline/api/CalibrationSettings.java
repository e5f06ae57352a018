package dev.headroom.pipeline.api;

import dev.headroom.eval.harness.TaskFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code calibration} section: the data stages that fit something to the model (profile,
 * search) draw from.
 *
 * @param source {@code synthetic} (the task generators) or {@code jsonl} (one {"text": ...} per
 *     line)
 * @param tasks generator names for {@code synthetic}
 * @param lengths prompt lengths in tokens
 * @param samples samples per task and length
 * @param seed generator seed
 * @param jsonl the file for {@code jsonl}, relative to the working directory
 */
public record CalibrationSettings(
        String source,
        List<String> tasks,
        List<Integer> lengths,
        Integer samples,
        Long seed,
        String jsonl) {

    public static final String SYNTHETIC = "synthetic";
    public static final String JSONL = "jsonl";
    public static final List<String> SOURCES = List.of(SYNTHETIC, JSONL);

    public String sourceOrDefault() {
        return source == null ? SYNTHETIC : source;
    }

    public int samplesOrDefault() {
        return samples == null ? 8 : samples;
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    public void validate(ConfigProblems p, ModelFacts model, Path workingDir) {
        if (source != null && !SOURCES.contains(source)) {
            p.error(
                    "source",
                    "unknown source '" + source + "'" + Suggestions.hint(source, SOURCES));
        }
        p.nonEmptyInRange(
                lengths,
                "lengths",
                2,
                model == null ? Integer.MAX_VALUE : model.config().maxPositions());
        p.range(samples, "samples", 1, 100_000);
        if (JSONL.equals(source)) {
            if (p.required(jsonl, "jsonl") && !Files.isRegularFile(workingDir.resolve(jsonl))) {
                p.error("jsonl", "no such file: " + workingDir.resolve(jsonl));
            }
        } else if (tasks != null) {
            for (int i = 0; i < tasks.size(); i++) {
                String t = tasks.get(i);
                if (!TaskFactory.knownTasks().contains(t)) {
                    p.error(
                            "tasks",
                            i,
                            "unknown task '"
                                    + t
                                    + "'"
                                    + Suggestions.hint(t, TaskFactory.knownTasks()));
                } else if (model != null
                        && TaskFactory.needsTokenizer(t)
                        && !model.hasTokenizer()) {
                    p.error(
                            "tasks",
                            i,
                            "task '"
                                    + t
                                    + "' needs a tokenizer and the model has no tokenizer.json; use "
                                    + TaskFactory.TOKEN_TASKS);
                }
            }
        }
    }
}
