package dev.headroom.attention.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.checkpoint.CheckpointException;
import dev.headroom.attention.checkpoint.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelConfig}, refusing what the runtime
 * does not implement.
 */
public final class ConfigReader {
    private static final Set<String> ROPE_TYPES = Set.of("default", "linear", "llama3");

    private final Path file;
    private final JsonNode root;

    private ConfigReader(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static ModelConfig read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isDirectory(modelDir))
            throw new CheckpointException(modelDir, "model directory not found");
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "file not found");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file, "not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (root == null || !root.isObject())
            throw new CheckpointException(file, "not a JSON object");
        return new ConfigReader(file, root).parse();
    }

    private ModelConfig parse() {
        String archName = root.path("architectures").path(0).asText(null);
        if (archName == null) throw fail("'architectures' is missing");
        Architecture arch = Architecture.fromHf(archName);
        if (arch == null) {
            throw fail(
                    "unsupported architecture '"
                            + archName
                            + "' (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
        }
        int hidden = positiveInt("hidden_size");
        int heads = positiveInt("num_attention_heads");
        int kvHeads =
                root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                        ? positiveInt("num_key_value_heads")
                        : heads;
        if (heads % kvHeads != 0)
            throw fail(
                    "num_attention_heads "
                            + heads
                            + " is not a multiple of num_key_value_heads "
                            + kvHeads);
        int headDim = root.hasNonNull("head_dim") ? positiveInt("head_dim") : hidden / heads;
        if (!root.hasNonNull("head_dim") && hidden % heads != 0)
            throw fail(
                    "hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        if (headDim % 2 != 0)
            throw fail("head_dim " + headDim + " must be even for rotary embeddings");
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu"))
            throw fail("unsupported hidden_act '" + act + "' (supported: silu)");
        if (root.path("mlp_bias").asBoolean(false))
            throw fail("unsupported config value mlp_bias=true");
        double partial = root.path("partial_rotary_factor").asDouble(1.0);
        if (partial != 1.0) throw fail("unsupported config value partial_rotary_factor=" + partial);

        boolean qkvBias, outBias;
        int window = 0;
        switch (arch) {
            case QWEN2 -> {
                qkvBias = true;
                outBias = false;
                if (root.path("use_sliding_window").asBoolean(false))
                    throw fail("unsupported config value use_sliding_window=true");
            }
            case MISTRAL -> {
                qkvBias = false;
                outBias = false;
                if (root.hasNonNull("sliding_window")) window = positiveInt("sliding_window");
            }
            default -> {
                qkvBias = outBias = root.path("attention_bias").asBoolean(false);
            }
        }
        JsonNode eos = root.path("eos_token_id");
        int eosId = eos.isArray() ? eos.path(0).asInt(-1) : eos.asInt(-1);
        return new ModelConfig(
                arch,
                positiveInt("vocab_size"),
                hidden,
                positiveInt("intermediate_size"),
                positiveInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                root.hasNonNull("max_position_embeddings")
                        ? positiveInt("max_position_embeddings")
                        : 2048,
                positiveDouble(root, "rms_norm_eps", 1e-6),
                rope(),
                root.path("tie_word_embeddings").asBoolean(false),
                qkvBias,
                outBias,
                window,
                root.path("bos_token_id").asInt(-1),
                eosId,
                DType.F32);
    }

    /**
     * Both conventions: transformers 5's rope_parameters, or rope_theta plus an optional
     * rope_scaling.
     */
    private RopeConfig rope() {
        JsonNode params = root.path("rope_parameters");
        JsonNode scaling;
        double theta;
        String where;
        if (params.isObject()) {
            if (params.has("full_attention") && params.get("full_attention").isObject())
                params = params.get("full_attention");
            theta = positiveDouble(params, "rope_theta", root.path("rope_theta").asDouble(10000.0));
            scaling = params;
            where = "rope_parameters";
        } else {
            theta = positiveDouble(root, "rope_theta", 10000.0);
            scaling = root.path("rope_scaling");
            where = "rope_scaling";
        }
        if (!scaling.isObject()) return RopeConfig.unscaled(theta);
        String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
        if (!ROPE_TYPES.contains(type))
            throw fail(
                    "unsupported "
                            + where
                            + " type '"
                            + type
                            + "' (supported: default, linear, llama3)");
        return switch (type) {
            case "linear" ->
                    new RopeConfig(type, theta, positiveDouble(scaling, "factor", -1), 0, 0, 0);
            case "llama3" -> {
                double low = positiveDouble(scaling, "low_freq_factor", -1),
                        high = positiveDouble(scaling, "high_freq_factor", -1);
                if (high <= low)
                    throw fail(where + ".high_freq_factor must exceed low_freq_factor");
                yield new RopeConfig(
                        type,
                        theta,
                        positiveDouble(scaling, "factor", -1),
                        low,
                        high,
                        (int) positiveDouble(scaling, "original_max_position_embeddings", -1));
            }
            default -> RopeConfig.unscaled(theta);
        };
    }

    private int positiveInt(String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw fail("'" + key + "' is missing");
        if (!n.isIntegralNumber() || n.asLong() <= 0 || n.asLong() > Integer.MAX_VALUE) {
            throw fail("'" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    /**
     * A positive number at {@code key}; {@code fallback} when absent, or an error when absent and
     * fallback < 0.
     */
    private double positiveDouble(JsonNode obj, String key, double fallback) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            if (fallback < 0) throw fail("'" + key + "' is missing");
            return fallback;
        }
        if (!n.isNumber() || n.asDouble() <= 0)
            throw fail("'" + key + "' must be a positive number, got " + n);
        return n.asDouble();
    }

    private CheckpointException fail(String problem) {
        return new CheckpointException(file, problem);
    }
}
