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
import dev.headroom.pipeline.registry.MethodSpec;
import dev.headroom.pipeline.registry.StageParams;
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
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML config into {@link PipelineConfig}, validates it and resolves its paths. Every
 * problem is reported as {@code file:line:column: key: problem} through a {@link ConfigException}
 * before anything runs.
 */
public final class ConfigLoader {

    static final List<String> TOP_LEVEL_KEYS = List.of("model", "output", "runner", "calibration", "stages");

    private final StageRegistry registry;
    private final ObjectMapper yaml;

    public ConfigLoader(StageRegistry registry) {
        this.registry = registry;
        this.yaml = ConfigMapper.yaml(registry);
    }

    /** @param workingDir the directory relative paths in the config are resolved against */
    public ResolvedConfig load(Path file, Path workingDir) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
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
            throw new ConfigException(file + ":" + where + "YAML syntax error: " + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read the config: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException(file + ":1:1: the config is empty; it needs model, output and stages");
        }
        PipelineConfig config;
        try {
            config = yaml.treeToValue(tree, PipelineConfig.class);
        } catch (JsonProcessingException e) {
            throw bindingError(file, locations, tree, e);
        }

        ConfigProblems problems = new ConfigProblems();
        ModelFacts model = validateModel(config.model(), problems, workingDir);
        problems.required(config.output(), "output");
        config.runnerOrDefault().validate(problems.at("runner"));
        if (config.calibration() != null) {
            config.calibration().validate(problems.at("calibration"), model, workingDir);
        }
        if (config.stages() == null || config.stages().isEmpty()) {
            problems.error("stages", "is empty; give at least one stage, e.g. '- stage: evaluate'");
        } else if (model != null) {
            Map<String, Integer> writers = new java.util.HashMap<>();
            for (int i = 0; i < config.stages().size(); i++) {
                StageParams s = config.stages().get(i);
                if (s == null) {
                    problems.error("stages", i, "empty stage entry");
                    continue;
                }
                s.validate(problems.at("stages", i), model);
                for (String output : registry.definitionOf(s).outputs(s)) {
                    Integer earlier = writers.putIfAbsent(output, i);
                    if (earlier != null) {
                        problems.at("stages", i).error(StageParams.TYPE_KEY, "writes " + output + " like stages[" + earlier
                                + "]; a run directory holds one stage of this kind");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            List<ConfigProblems.Problem> all = problems.all();
            ConfigProblems.Problem first = all.get(0);
            String more = all.size() > 1 ? " (and " + (all.size() - 1) + " more problem" + (all.size() > 2 ? "s" : "") + ")" : "";
            throw new ConfigException(file + ":" + locations.find(first.where()) + ": " + first.where().dotted() + ": "
                    + first.message() + more);
        }

        Path runDir = workingDir.resolve(config.output()).toAbsolutePath().normalize();
        String canonical = canonicalJson(config, model.directory(), runDir);
        return new ResolvedConfig(file.toAbsolutePath().normalize(), model, runDir, config.runnerOrDefault(),
                config.calibration(), List.copyOf(config.stages()), canonical, sha256(canonical));
    }

    private ModelFacts validateModel(String model, ConfigProblems problems, Path workingDir) {
        if (!problems.required(model, "model")) {
            return null;
        }
        Path dir = workingDir.resolve(model).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            problems.error("model", "model directory " + dir + " does not exist");
            return null;
        }
        try {
            ModelConfig mc = ConfigReader.read(dir);
            try (Checkpoint weights = Checkpoint.open(dir)) {
                weights.storedDtype();      // the headers parse and the weight files are there
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
        ObjectNode node = json.valueToTree(new PipelineConfig(modelDir.toString(), runDir.toString(), null,
                config.calibration(), config.stages()));
        try {
            return json.writeValueAsString(json.treeToValue(node, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ConfigException bindingError(Path file, YamlLocations locations, JsonNode tree, JsonProcessingException e) {
        ConfigPointer pointer = ConfigPointer.ROOT;
        if (e instanceof JsonMappingException jm) {
            for (JsonMappingException.Reference r : jm.getPath()) {
                pointer = r.getFieldName() != null ? pointer.key(r.getFieldName()) : pointer.index(r.getIndex());
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
            message = "unknown key '" + u.getPropertyName() + "'" + Suggestions.hint(u.getPropertyName(), names);
        } else if (e instanceof InvalidTypeIdException t) {
            boolean stage = t.getBaseType() != null && t.getBaseType().isTypeOrSubTypeOf(StageParams.class);
            String key = stage ? StageParams.TYPE_KEY : MethodSpec.TYPE_KEY;
            List<String> valid = stage ? registry.stageNames() : registry.methodNames();
            pointer = pointer.key(key);
            message = t.getTypeId() == null
                    ? "missing; name one of: " + String.join(", ", valid)
                    : "unknown " + key + " '" + t.getTypeId() + "'" + Suggestions.hint(t.getTypeId(), valid);
        } else if (e instanceof InvalidFormatException f) {
            message = "expected " + describeType(f.getTargetType()) + ", got '" + f.getValue() + "'";
        } else if (e instanceof MismatchedInputException m) {
            JsonNode at = tree.at(pointer.json());
            message = "expected " + describeType(m.getTargetType()) + ", got " + describeNode(at);
        } else if (e instanceof ValueInstantiationException v) {
            message = v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage();
        } else {
            message = e.getOriginalMessage().split("\n")[0];
        }
        return new ConfigException(file + ":" + locations.find(pointer) + ": " + pointer.dotted() + ": " + message);
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "another value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
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
