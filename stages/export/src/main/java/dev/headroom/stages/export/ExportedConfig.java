package dev.headroom.stages.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;

/**
 * The exported {@code config.json}: the source checkpoint's keys unchanged, plus a {@code headroom}
 * block and, under KV quantization, a {@code quantization_config}. Loaders that do not know these
 * keys ignore them (transformers logs that it skips an unknown {@code quant_method}).
 */
final class ExportedConfig {
    /** {@code quantization_config.quant_method}: unknown to transformers, which then skips it. */
    static final String QUANT_METHOD = "headroom";

    private ExportedConfig() {}

    static ObjectNode of(
            Path model,
            String sourceSha,
            AttentionPlan plan,
            LinearHeads linear,
            ModelConfig c,
            String weights,
            ArrayNode provenance)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode read = om.readTree(model.resolve("config.json").toFile());
        if (!(read instanceof ObjectNode root))
            throw new HeadroomException(model.resolve("config.json") + ": not a JSON object");
        root.remove(ModelArtifact.BLOCK);
        if (QUANT_METHOD.equals(root.path("quantization_config").path("quant_method").asText()))
            root.remove("quantization_config");
        ObjectNode b = root.putObject(ModelArtifact.BLOCK);
        b.put("format_version", ModelArtifact.FORMAT_VERSION);
        b.put("source_config_sha256", sourceSha);
        if (plan != null) {
            b.put("plan", ModelArtifact.PLAN_FILE);
            b.put("plan_method", plan.method());
        }
        ArrayNode heads = b.putArray("heads");
        for (int l = 0; l < c.numLayers(); l++)
            for (int h = 0; h < c.numKvHeads(); h++) {
                ObjectNode n = heads.addObject();
                n.put("layer", l);
                n.put("kv_head", h);
                HeadSpan s = plan == null ? null : plan.head(l, h);
                n.put("kind", s == null ? "full" : s.kind());
                n.put("sink", s == null ? 0 : s.sink());
                n.put("alpha", s == null ? 0 : s.alpha());
                n.put("beta", s == null ? 1 : s.beta());
                KvScheme scheme = plan == null ? KvScheme.BF16 : plan.scheme(l, h);
                n.put("key_bits", scheme.keyBits());
                n.put("value_bits", scheme.valueBits());
                if (!scheme.isFullPrecision()) {
                    n.put("group", scheme.group());
                    n.put("residual", scheme.residual());
                }
                boolean lin = linear != null && linear.isLinear(l, h);
                n.put("linear", lin);
                if (linear != null && linear.trained(l, h)) {
                    // a head whose linear part the gate switched off keeps the maps' sink +
                    // window alone
                    HedgehogMaps m = linear.maps(l, h);
                    if (!lin) n.put("linear_part", false);
                    n.put("linear_window", m.window());
                    n.put("linear_feature_size", m.featureSize());
                }
            }
        KvQuantization q = plan == null ? null : plan.kvQuantization();
        if (q != null) {
            ObjectNode kq = b.putObject("kv_quantization");
            kq.put("sink", q.sink());
            kq.put("keys", q.keys().configName());
        }
        b.put("linear_heads", linear != null);
        b.put("weights", weights);
        b.set("provenance", provenance);
        if (q != null) {
            ObjectNode qc = root.putObject("quantization_config");
            qc.put("quant_method", QUANT_METHOD);
            qc.set("kv_cache_scheme", om.valueToTree(q.kvCacheScheme()));
            java.util.Set<KvScheme> schemes = new java.util.HashSet<>(q.schemes());
            TreeSet<Integer> widths = new TreeSet<>();
            for (KvScheme s : schemes) {
                widths.add(s.keyBits());
                widths.add(s.valueBits());
            }
            boolean shared = schemes.size() == 1;
            qc.put("kv_cache_scheme_shared", shared);
            if (!shared)
                qc.put(
                        "note",
                        "KV heads differ in bits "
                                + widths.descendingSet()
                                + " (16 = bf16); kv_cache_scheme is the commonest scheme, each"
                                + " head's is headroom.heads[] (key_bits, value_bits, group,"
                                + " residual)");
        }
        return root;
    }
}
