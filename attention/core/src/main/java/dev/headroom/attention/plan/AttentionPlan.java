package dev.headroom.attention.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ModelConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * headroom's plan format ({@code artifacts/plan.json}): a span per (layer, KV head), the model it
 * was made for (a hash of its config.json), the budget, and what the search predicted and
 * validation measured. The runtime's {@link PlanPolicy}, the evaluator and the GPU kernels all read
 * it.
 */
public record AttentionPlan(
        String method,
        String modelConfigHash,
        double densityBudget,
        List<Integer> profiledLengths,
        List<HeadSpan> heads,
        Map<String, Object> predicted,
        Map<String, Object> validation,
        KvQuantization kvQuantization)
        implements Serializable {
    public static final int FORMAT_VERSION = 1;

    /** A plan that keeps every head's cache in bf16. */
    public AttentionPlan(
            String method,
            String modelConfigHash,
            double densityBudget,
            List<Integer> profiledLengths,
            List<HeadSpan> heads,
            Map<String, Object> predicted,
            Map<String, Object> validation) {
        this(
                method,
                modelConfigHash,
                densityBudget,
                profiledLengths,
                heads,
                predicted,
                validation,
                null);
    }

    public AttentionPlan {
        if (kvQuantization != null && kvQuantization.schemes().size() != heads.size())
            throw new IllegalArgumentException(
                    kvQuantization.schemes().size() + " KV schemes for " + heads.size() + " heads");
    }

    /** This plan with per-head KV precision. */
    public AttentionPlan withKvQuantization(KvQuantization q) {
        return new AttentionPlan(
                method,
                modelConfigHash,
                densityBudget,
                profiledLengths,
                heads,
                predicted,
                validation,
                q);
    }

    /** How a head's cache is stored: bf16 unless the plan quantizes it. */
    public KvScheme scheme(int layer, int kvHead) {
        if (kvQuantization == null) return KvScheme.BF16;
        for (int i = 0; i < heads.size(); i++) {
            HeadSpan h = heads.get(i);
            if (h.layer() == layer && h.kvHead() == kvHead) return kvQuantization.schemes().get(i);
        }
        throw new IllegalArgumentException("plan has no head (" + layer + ", " + kvHead + ")");
    }

    /**
     * The search stage's chosen plan and its DuoAttention baseline, in a run's {@code artifacts/}.
     */
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
            throw new HeadroomException(
                    file
                            + ": plan has "
                            + heads.size()
                            + " head spans but the model has "
                            + c.numLayers()
                            + " layers x "
                            + c.numKvHeads()
                            + " KV heads");
        }
        for (HeadSpan h : heads) {
            if (h.layer() < 0
                    || h.layer() >= c.numLayers()
                    || h.kvHead() < 0
                    || h.kvHead() >= c.numKvHeads()) {
                throw new HeadroomException(
                        file
                                + ": plan head ("
                                + h.layer()
                                + ", "
                                + h.kvHead()
                                + ") is outside the model");
            }
        }
    }

    /**
     * A head's scheme as plan.json writes it: {@code bits} when keys and values share a width (16
     * for bf16), else {@code key_bits} and {@code value_bits}; a quantized head's {@code group} and
     * {@code residual}.
     */
    private static void putScheme(Map<String, Object> m, KvScheme s) {
        if (s.isUniform()) m.put("bits", s.keyBits());
        else {
            m.put("key_bits", s.keyBits());
            m.put("value_bits", s.valueBits());
        }
        if (!s.isFullPrecision()) {
            m.put("group", s.group());
            m.put("residual", s.residual());
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
        for (int i = 0; i < heads.size(); i++) {
            HeadSpan h = heads.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", h.layer());
            m.put("kv_head", h.kvHead());
            m.put("kind", h.kind());
            m.put("sink", h.sink());
            m.put("alpha", h.alpha());
            m.put("beta", h.beta());
            if (kvQuantization != null) putScheme(m, kvQuantization.schemes().get(i));
            hs.add(m);
        }
        root.put("heads", hs);
        if (kvQuantization != null) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("sink", kvQuantization.sink());
            q.put("keys", kvQuantization.keys().configName());
            root.put("kv_quantization", q);
            root.put("kv_cache_scheme", kvQuantization.kvCacheScheme());
        }
        root.put("predicted", predicted);
        root.put("validation", validation);
        AtomicFiles.write(
                file,
                tmp ->
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValue(tmp.toFile(), root));
    }

    /**
     * Reads headroom's format only ({@code format: headroom-plan}); {@link PlanFiles#read} also
     * reads MoA's and DuoAttention's files.
     */
    public static AttentionPlan read(Path file) {
        return HeadroomPlanReader.read(file);
    }
}
