package dev.headroom.stages.evaluate;

import dev.headroom.attention.runtime.Backend;
import dev.headroom.eval.harness.TaskFactory;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.harness.TextWindowTask;
import dev.headroom.eval.task.MqarTask;
import dev.headroom.pipeline.api.ConfigPath;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageParams;
import dev.headroom.pipeline.api.Suggestions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code - stage: evaluate}: the grid methods × tasks × lengths × depths × samples.
 *
 * @param methods attention methods ({@code - method: dense}, {@code - method: uniform ...})
 * @param tasks task names (text tasks need a tokenizer; {@code copy} and {@code mqar} do not)
 * @param lengths prompt lengths in tokens, at most the model's context length
 * @param depths needle depths in [0, 1] (default [0.5])
 * @param samples samples per cell (default 1)
 * @param seed generator seed (default 0)
 * @param maxNewTokens tokens to generate per text case; default: each task's published value
 * @param mqarPairs key-value pairs of token-level {@code mqar} (default 8)
 * @param addBos prepend the model's BOS id (default true)
 * @param textFile text for {@code niah_*_text} (the haystack) and {@code kl} (the sequence; token
 *     ids when the model has no tokenizer), relative to the config file's directory
 * @param backend the runtime the cases run on: {@code auto} (default: the GPU when its runtime is
 *     on the classpath and a device answers, else the CPU), {@code cpu}, or {@code gpu} (the CUDA
 *     runtime; the run fails in one line where it cannot run)
 */
public record EvaluateParams(
        List<MethodSpec> methods,
        List<String> tasks,
        List<Integer> lengths,
        List<Double> depths,
        Integer samples,
        Long seed,
        Integer maxNewTokens,
        Integer mqarPairs,
        Boolean addBos,
        @ConfigPath.Relative String textFile,
        String backend)
        implements StageParams {

    /** The params without a backend ({@code auto}). */
    public EvaluateParams(
            List<MethodSpec> methods,
            List<String> tasks,
            List<Integer> lengths,
            List<Double> depths,
            Integer samples,
            Long seed,
            Integer maxNewTokens,
            Integer mqarPairs,
            Boolean addBos,
            String textFile) {
        this(
                methods,
                tasks,
                lengths,
                depths,
                samples,
                seed,
                maxNewTokens,
                mqarPairs,
                addBos,
                textFile,
                null);
    }

    /** The backend to run on: {@code auto} unless the config says. */
    public Backend backendOrDefault() {
        return backend == null ? Backend.AUTO : Backend.parse(backend);
    }

    public List<Double> depthsOrDefault() {
        return depths == null ? List.of(0.5) : depths;
    }

    public int samplesOrDefault() {
        return samples == null ? 1 : samples;
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    public boolean addBosOrDefault() {
        return addBos == null || addBos;
    }

    public int mqarPairsOrDefault() {
        return mqarPairs == null ? TaskSpec.DEFAULT_MQAR_PAIRS : mqarPairs;
    }

    @Override
    public void validate(ConfigProblems p, ModelFacts model) {
        int maxLength = model.config().maxPositions();
        if (backend != null
                && !List.of("cpu", "gpu", "auto").contains(backend.trim().toLowerCase(Locale.ROOT)))
            p.error("backend", "'" + backend + "' is not one of cpu, gpu, auto");
        if (methods == null || methods.isEmpty()) {
            p.error("methods", "is empty; give at least one method, e.g. '- method: dense'");
        } else {
            Set<String> labels = new HashSet<>();
            for (int i = 0; i < methods.size(); i++) {
                MethodSpec m = methods.get(i);
                if (m == null) {
                    p.error("methods", i, "empty method entry");
                    continue;
                }
                int before = p.all().size();
                m.validate(p.at("methods", i), model);
                // a method with problems may not be able to name itself (its label derives from
                // them)
                if (p.all().size() == before && !labels.add(m.label())) {
                    p.at("methods", i)
                            .error(
                                    "label",
                                    "two methods are labelled '"
                                            + m.label()
                                            + "'; give each a distinct label");
                }
            }
        }
        boolean readsText = false;
        if (tasks == null || tasks.isEmpty()) {
            p.error("tasks", "is empty; give at least one task: " + TaskFactory.knownTasks());
        } else {
            for (int i = 0; i < tasks.size(); i++) {
                String t = tasks.get(i);
                if (t == null || !TaskFactory.knownTasks().contains(t)) {
                    p.error(
                            "tasks",
                            i,
                            "unknown task '"
                                    + t
                                    + "'"
                                    + Suggestions.hint(
                                            String.valueOf(t), TaskFactory.knownTasks()));
                } else if (TaskFactory.needsTokenizer(t) && !model.hasTokenizer()) {
                    p.error(
                            "tasks",
                            i,
                            "task '"
                                    + t
                                    + "' needs a tokenizer and "
                                    + model.directory()
                                    + " has no tokenizer.json; token-level tasks: "
                                    + TaskFactory.TOKEN_TASKS);
                } else {
                    readsText |= TaskFactory.needsText(t);
                }
            }
        }
        p.nonEmptyInRange(lengths, "lengths", 8, maxLength);
        if (tasks != null && tasks.contains(MqarTask.NAME) && lengths != null) {
            int need = 2 * mqarPairsOrDefault() + 2 * mqarPairsOrDefault();
            for (int i = 0; i < lengths.size(); i++) {
                if (lengths.get(i) != null && lengths.get(i) < need) {
                    p.error(
                            "lengths",
                            i,
                            "length "
                                    + lengths.get(i)
                                    + " is too short for mqar with "
                                    + mqarPairsOrDefault()
                                    + " pairs (needs "
                                    + need
                                    + "); lower mqar_pairs or raise the length");
                }
            }
        }
        if (depths != null) {
            p.nonEmptyInRange(depths, "depths", 0.0, 1.0);
        }
        p.range(samples, "samples", 1, 100_000);
        p.range(maxNewTokens, "max_new_tokens", 0, 4096);
        p.range(mqarPairs, "mqar_pairs", 1, 4096);
        if (readsText
                && p.check(
                        textFile != null,
                        "text_file",
                        "missing; the tasks "
                                + tasks.stream().filter(TaskFactory::needsText).toList()
                                + " read a text file")) {
            Path file = Path.of(textFile);
            if (!Files.isRegularFile(file)) {
                p.error("text_file", "no such file: " + file);
            } else if (!model.hasTokenizer()) {
                try {
                    int n = TextWindowTask.parseIds(Files.readString(file)).length;
                    p.check(
                            n >= 2,
                            "text_file",
                            file + " holds " + n + " token ids; the kl probe needs at least 2");
                } catch (IOException | IllegalArgumentException e) {
                    p.error(
                            "text_file",
                            file
                                    + ": the model has no tokenizer, so the text must be token ids: "
                                    + e.getMessage());
                }
            }
        }
    }
}
