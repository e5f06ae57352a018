package dev.headroom.pipeline.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.headroom.eval.harness.TaskFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code calibration} section: the data stages that fit something to the model (profile,
 * search) draw from.
 *
 * @param source where the samples come from; default {@link Source#SYNTHETIC}
 * @param tasks generator names for {@code synthetic}
 * @param lengths prompt lengths in tokens
 * @param samples samples per task and length
 * @param seed generator seed
 * @param jsonl the file for {@code jsonl}, relative to the config file's directory
 */
public record CalibrationSettings(
        Source source,
        List<String> tasks,
        List<Integer> lengths,
        Integer samples,
        Long seed,
        @dev.headroom.pipeline.api.ConfigPath.Relative String jsonl) {

    /** {@code calibration.source}. */
    public enum Source implements ConfigWord {
        /** The task generators ({@code tasks}). */
        SYNTHETIC("synthetic"),
        /**
         * One {@code {"text": ...}} or {@code {"ids": [...]}} per line of the file {@code jsonl}.
         */
        JSONL("jsonl");

        private final String word;

        Source(String word) {
            this.word = word;
        }

        @JsonValue
        @Override
        public String word() {
            return word;
        }

        /** The config's value, as bound: refused unless it is one of the words. */
        @JsonCreator
        static Source fromConfig(Object value) {
            return ConfigWord.parse(Source.class, value, "calibration source");
        }

        public static Source of(String text) {
            return ConfigWord.parse(Source.class, text, "calibration source");
        }

        @Override
        public String toString() {
            return word;
        }
    }

    public Source sourceOrDefault() {
        return source == null ? Source.SYNTHETIC : source;
    }

    public int samplesOrDefault() {
        return samples == null ? 8 : samples;
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    public void validate(ConfigProblems p, ModelFacts model, Path workingDir) {
        p.nonEmptyInRange(
                lengths,
                "lengths",
                2,
                model == null ? Integer.MAX_VALUE : model.config().maxPositions());
        p.range(samples, "samples", 1, 100_000);
        if (source == Source.JSONL) {
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
