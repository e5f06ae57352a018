package dev.headroom.pipeline.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.pipeline.api.ConfigPath;
import dev.headroom.pipeline.api.ConfigPointer;
import dev.headroom.pipeline.api.ConfigProblems;
import dev.headroom.pipeline.api.ConfigWord;
import dev.headroom.pipeline.api.MethodSpec;
import dev.headroom.pipeline.api.ModelFacts;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.api.StageParams;
import dev.headroom.pipeline.api.Suggestions;
import dev.headroom.pipeline.registry.StageRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a YAML config into {@link PipelineConfig}, validates it and resolves its paths. Every
 * problem found after binding is reported, each as {@code file:line:column: key: problem}, through
 * one {@link ConfigException} before anything runs (a YAML or binding error stops at that error).
 * Stage entries are validated with a {@link ConfigProblems.Context}: the config file's directory,
 * the run directory and the outputs of the stages before them.
 */
public final class ConfigLoader {

    static final List<String> TOP_LEVEL_KEYS =
            List.of("model", "output", "runner", "calibration", "stages");

    /**
     * Validates one stage entry; the default calls {@link StageParams#validate}. A seam for tests.
     */
    interface EntryValidator {
        void validate(StageParams params, ConfigProblems problems, ModelFacts model);
    }

    private final StageRegistry registry;
    private final ObjectMapper yaml;
    private final EntryValidator entryValidator;

    public ConfigLoader(StageRegistry registry) {
        this(registry, StageParams::validate);
    }

    ConfigLoader(StageRegistry registry, EntryValidator entryValidator) {
        this.registry = registry;
        this.yaml = ConfigMapper.yaml(registry);
        this.entryValidator = entryValidator;
    }

    /**
     * @param workingDir the directory a relative {@code file} is found in; the paths inside the
     *     config resolve against the config file's own directory
     */
    public ResolvedConfig load(Path file, Path workingDir) {
        return load(file, workingDir, false);
    }

    /**
     * @param workingDir the directory a relative {@code file} is found in; the paths inside the
     *     config resolve against the config file's own directory
     * @param confirmed {@code --yes}: a stage may plan more units of work than {@code
     *     runner.max_units}
     */
    public ResolvedConfig load(Path file, Path workingDir, boolean confirmed) {
        Path configFile = workingDir.toAbsolutePath().resolve(file).normalize();
        Path work = configFile.getParent();
        String text;
        try {
            text = Files.readString(configFile, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new HeadroomException(file + ": no such config file");
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read the config: " + e.getMessage());
        }
        YamlLocations locations;
        JsonNode tree;
        try {
            locations = YamlLocations.index(text);
            tree = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            String where = l == null ? "" : l.getLineNr() + ":" + l.getColumnNr() + ": ";
            throw new ConfigException(
                    file
                            + ":"
                            + where
                            + "YAML syntax error: "
                            + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read the config: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException(
                    file + ":1:1: the config is empty; it needs model, output and stages");
        }
        PipelineConfig config;
        try {
            config =
                    yaml.readerFor(PipelineConfig.class)
                            .withAttribute(ConfigPath.BASE, work)
                            .readValue(tree);
        } catch (JsonProcessingException e) {
            throw bindingError(file, locations, tree, e);
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read the config: " + e.getMessage());
        }

        Path runDir =
                config.output() == null || config.output().isBlank()
                        ? null
                        : work.resolve(config.output()).normalize();
        ConfigProblems problems =
                new ConfigProblems(new ConfigProblems.Context(work, runDir, Set.of()));
        ModelFacts model = validateModel(config.model(), problems, work);
        if (config.output() != null && config.output().isBlank()) {
            problems.error("output", "is empty; give the run directory, e.g. 'output: runs/demo'");
        } else {
            problems.required(config.output(), "output");
        }
        config.runnerOrDefault().validate(problems.at("runner"));
        if (config.calibration() != null) {
            config.calibration().validate(problems.at("calibration"), model, work);
        }
        if (config.stages() == null || config.stages().isEmpty()) {
            problems.error("stages", "is empty; give at least one stage, e.g. '- stage: evaluate'");
        } else if (model != null) {
            Map<String, Integer> writers = new java.util.HashMap<>();
            Set<String> earlierOutputs = new LinkedHashSet<>();
            for (int i = 0; i < config.stages().size(); i++) {
                StageParams s = config.stages().get(i);
                if (s == null) {
                    problems.error("stages", i, "empty stage entry");
                    continue;
                }
                // Each entry sees where paths resolve, the run directory and what the stages before
                // it write.
                entryValidator.validate(
                        s,
                        problems.at("stages", i)
                                .with(new ConfigProblems.Context(work, runDir, earlierOutputs)),
                        model);
                List<String> outputs = registry.definitionOf(s).outputs(s);
                Map<Integer, List<String>> clashes = new java.util.TreeMap<>();
                for (String output : outputs) {
                    Integer earlier = writers.putIfAbsent(output, i);
                    if (earlier != null) {
                        clashes.computeIfAbsent(earlier, k -> new ArrayList<>()).add(output);
                    }
                }
                ConfigProblems entry = problems.at("stages", i);
                clashes.forEach(
                        (earlier, files) ->
                                entry.error(
                                        StageParams.TYPE_KEY,
                                        "writes "
                                                + String.join(", ", files)
                                                + " like stages["
                                                + earlier
                                                + "]; a run directory holds one stage of this kind"));
                earlierOutputs.addAll(outputs);
                if (!confirmed) {
                    checkPlannedWork(s, config.runnerOrDefault().maxUnitsOrDefault(), file, entry);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(report(file, locations, problems.all()));
        }

        String canonical = canonicalJson(config, model.directory(), runDir);
        return new ResolvedConfig(
                configFile,
                model,
                runDir,
                config.runnerOrDefault(),
                config.calibration(),
                List.copyOf(config.stages()),
                canonical,
                sha256(canonical));
    }

    /** A stage that plans more units of work than {@code maxUnits} needs {@code --yes}. */
    private void checkPlannedWork(StageParams s, long maxUnits, Path file, ConfigProblems entry) {
        StageDefinition.PlannedWork work = registry.definitionOf(s).plannedWork(s);
        if (work == null || work.units() <= maxUnits) {
            return;
        }
        entry.error(
                StageParams.TYPE_KEY,
                String.format(
                        java.util.Locale.ROOT,
                        "%,d %s, more than the %,d a stage runs without confirmation"
                                + " (runner.max_units); to run them, add --yes, or set 'max_units:"
                                + " %d' under 'runner:' in %s (the runner section does not change"
                                + " the run's hash)",
                        work.units(),
                        work.unit(),
                        maxUnits,
                        work.units(),
                        file.getFileName()));
    }

    /**
     * Every problem as {@code file:line:column: key: problem}, in the order of the file (stable for
     * one place).
     */
    static List<String> report(
            Path file, YamlLocations locations, List<ConfigProblems.Problem> problems) {
        record Located(YamlLocations.Location at, String line) {}
        List<Located> located = new ArrayList<>();
        for (ConfigProblems.Problem p : problems) {
            YamlLocations.Location at = locations.find(p.where());
            located.add(
                    new Located(
                            at, file + ":" + at + ": " + p.where().dotted() + ": " + p.message()));
        }
        located.sort(
                java.util.Comparator.comparingInt((Located l) -> l.at().line())
                        .thenComparingInt(l -> l.at().column()));
        return located.stream().map(Located::line).distinct().toList();
    }

    private ModelFacts validateModel(String model, ConfigProblems problems, Path configDir) {
        if (!problems.required(model, "model")) {
            return null;
        }
        Path dir = configDir.resolve(model).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            problems.error("model", "model directory " + dir + " does not exist");
            return null;
        }
        try {
            ModelConfig mc = ConfigReader.read(dir);
            try (Checkpoint weights = Checkpoint.open(dir)) {
                weights.storedDtype(); // the headers parse and the weight files are there
            }
            return new ModelFacts(dir, mc, Files.isRegularFile(dir.resolve("tokenizer.json")));
        } catch (HeadroomException e) {
            problems.error("model", e.getMessage());
            return null;
        }
    }

    /** The config without its runner section, paths absolute, keys sorted. */
    private String canonicalJson(PipelineConfig config, Path modelDir, Path runDir) {
        ObjectMapper json = ConfigMapper.canonicalJson(registry);
        ObjectNode node =
                json.valueToTree(
                        new PipelineConfig(
                                modelDir.toString(),
                                runDir.toString(),
                                null,
                                config.calibration(),
                                config.stages()));
        try {
            return json.writeValueAsString(json.treeToValue(node, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ConfigException bindingError(
            Path file, YamlLocations locations, JsonNode tree, JsonProcessingException e) {
        ConfigPointer pointer = ConfigPointer.ROOT;
        if (e instanceof JsonMappingException jm) {
            for (JsonMappingException.Reference r : jm.getPath()) {
                pointer =
                        r.getFieldName() != null
                                ? pointer.key(r.getFieldName())
                                : pointer.index(r.getIndex());
            }
        }
        String message;
        if (e instanceof UnrecognizedPropertyException u) {
            Collection<Object> known = u.getKnownPropertyIds();
            List<String> names = new ArrayList<>();
            if (known != null) {
                known.forEach(k -> names.add(k.toString()));
            }
            if (pointer.steps().size() == 1) {
                names.clear();
                names.addAll(TOP_LEVEL_KEYS);
            }
            message =
                    "unknown key '"
                            + u.getPropertyName()
                            + "'"
                            + Suggestions.hint(u.getPropertyName(), names);
        } else if (e instanceof InvalidTypeIdException t) {
            boolean stage =
                    t.getBaseType() != null && t.getBaseType().isTypeOrSubTypeOf(StageParams.class);
            String key = stage ? StageParams.TYPE_KEY : MethodSpec.TYPE_KEY;
            List<String> valid = stage ? registry.stageNames() : registry.methodNames();
            pointer = pointer.key(key);
            message =
                    t.getTypeId() == null
                            ? "missing; name one of: " + String.join(", ", valid)
                            : "unknown "
                                    + key
                                    + " '"
                                    + t.getTypeId()
                                    + "'"
                                    + Suggestions.hint(t.getTypeId(), valid);
        } else if (e instanceof InvalidFormatException f) {
            message =
                    "expected " + describeType(f.getTargetType()) + ", got '" + f.getValue() + "'";
        } else if (e instanceof MismatchedInputException m) {
            JsonNode at = tree.at(pointer.json());
            message = "expected " + describeType(m.getTargetType()) + ", got " + describeNode(at);
        } else if (e instanceof ValueInstantiationException v) {
            message = v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage();
        } else {
            message = e.getOriginalMessage().split("\n")[0];
        }
        return new ConfigException(
                file + ":" + locations.find(pointer) + ": " + pointer.dotted() + ": " + message);
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "another value";
        }
        if (type.isEnum() && ConfigWord.class.isAssignableFrom(type)) {
            return "one of "
                    + String.join(
                            ", ",
                            java.util.Arrays.stream(type.getEnumConstants())
                                    .map(c -> ((ConfigWord) c).word())
                                    .toList());
        }
        if (type == Integer.class
                || type == int.class
                || type == Long.class
                || type == long.class) {
            return "an integer";
        }
        if (type == Double.class
                || type == double.class
                || type == Float.class
                || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || type.isInterface()) {
            return "a mapping of keys";
        }
        return "a " + type.getSimpleName();
    }

    private static String describeNode(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "nothing";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return "'" + n.asText() + "'";
    }
}
