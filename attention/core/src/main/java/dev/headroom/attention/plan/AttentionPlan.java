package dev.headroom.attention.plan;

import dev.headroom.attention.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * headroom's plan format ({@code artifacts/plan.json}): a span per (layer, KV head), the model it was made for (a
 * hash of its config.json), the budget, and what the search predicted and validation measured. The runtime's
 * {@link PlanPolicy}, the evaluator and the GPU kernels all read it.
 */
public record AttentionPlan(String method, String modelConfigHash, double densityBudget, List<Integer> profiledLengths,
                            List<HeadSpan> heads, Map<String, Object> predicted, Map<String, Object> validation)
        implements Serializable {
    public static final int FORMAT_VERSION = 1;
    /** The search stage's chosen plan and its DuoAttention baseline, in a run's {@code artifacts/}. */
    public static final String FILE = "plan.json", DUO_FILE = "duo_plan.json";

    public HeadSpan head(int layer, int kvHead) {
        for (HeadSpan h : heads) if (h.layer() == layer && h.kvHead() == kvHead) return h;
        throw new IllegalArgumentException("plan has no head (" + layer + ", " + kvHead + ")");
    }

    /** Mean density over all KV heads at input length n. */
    public double density(int n) {
        return heads.stream().mapToDouble(h -> h.density(n)).average().orElse(1.0);
    }

    /** The plan fits the model: one span for every (layer, KV head), nothing else. */
    public void checkFits(ModelConfig c, Path file) {
        if (heads.size() != c.numLayers() * c.numKvHeads()) {
            throw new HeadroomException(file + ": plan has " + heads.size() + " head spans but the model has "
                    + c.numLayers() + " layers x " + c.numKvHeads() + " KV heads");
        }
        for (HeadSpan h : heads) {
            if (h.layer() < 0 || h.layer() >= c.numLayers() || h.kvHead() < 0 || h.kvHead() >= c.numKvHeads()) {
                throw new HeadroomException(file + ": plan head (" + h.layer() + ", " + h.kvHead() + ") is outside the model");
            }
        }
    }

    public void write(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", "headroom-plan");
        root.put("version", FORMAT_VERSION);
        root.put("method", method);
        root.put("model_config_sha256", modelConfigHash);
        root.put("density_budget", densityBudget);
        root.put("profiled_lengths", profiledLengths);
        List<Map<String, Object>> hs = new ArrayList<>();
        for (HeadSpan h : heads) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", h.layer());
            m.put("kv_head", h.kvHead());
            m.put("kind", h.kind());
            m.put("sink", h.sink());
            m.put("alpha", h.alpha());
            m.put("beta", h.beta());
            hs.add(m);
        }
        root.put("heads", hs);
        root.put("predicted", predicted);
        root.put("validation", validation);
        AtomicFiles.write(file, tmp -> new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), root));
    }

    @SuppressWarnings("unchecked")
    public static AttentionPlan read(Path file) {
        if (!Files.isRegularFile(file)) throw new HeadroomException(file + ": plan file not found");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new HeadroomException(file + ": not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (!"headroom-plan".equals(root.path("format").asText())) throw new HeadroomException(file + ": not a headroom plan (format != headroom-plan)");
        if (root.path("version").asInt() != FORMAT_VERSION) throw new HeadroomException(file + ": unsupported plan version " + root.path("version"));
        List<HeadSpan> heads = new ArrayList<>();
        int i = 0;
        for (JsonNode h : root.path("heads")) {
            String where = file + ": heads[" + i++ + "]";
            if (!h.path("layer").canConvertToInt() || !h.path("kv_head").canConvertToInt()) throw new HeadroomException(where + ": layer and kv_head must be integers");
            double alpha = h.path("alpha").asDouble(-1), beta = h.path("beta").asDouble(-1);
            int sink = h.path("sink").asInt(-1);
            if (alpha < 0 || beta < 0 || sink < 0) throw new HeadroomException(where + ": alpha, beta and sink must be >= 0");
            heads.add(new HeadSpan(h.get("layer").asInt(), h.get("kv_head").asInt(), h.path("kind").asText("window"), sink, alpha, beta));
        }
        if (heads.isEmpty()) throw new HeadroomException(file + ": plan has no heads");
        ObjectMapper om = new ObjectMapper();
        List<Integer> lengths = new ArrayList<>();
        root.path("profiled_lengths").forEach(n -> lengths.add(n.asInt()));
        return new AttentionPlan(root.path("method").asText(), root.path("model_config_sha256").asText(),
                root.path("density_budget").asDouble(), lengths, heads,
                om.convertValue(root.path("predicted"), LinkedHashMap.class),
                om.convertValue(root.path("validation"), LinkedHashMap.class));
    }
}
