package dev.headroom.attention.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * headroom's own plan format, {@code plan.json} as {@link AttentionPlan#write} writes it: {@code
 * format: headroom-plan}, {@code version}, the model's config sha256 and a span per (layer, KV
 * head) with its sink.
 */
public final class HeadroomPlanReader {
    public static final String FORMAT = "headroom-plan";

    private HeadroomPlanReader() {}

    public static AttentionPlan read(Path file) {
        if (!Files.isRegularFile(file)) throw new HeadroomException(file + ": plan file not found");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new HeadroomException(
                    file + ": not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        return read(file, root);
    }

    /** Whether a parsed JSON file says it is headroom's format. */
    public static boolean matches(JsonNode root) {
        return root != null && FORMAT.equals(root.path("format").asText());
    }

    /**
     * A head's KV scheme: {@code bits} (16 = bf16, default) or {@code key_bits} and {@code
     * value_bits}, and a quantized head's {@code group} and {@code residual}, which default to the
     * kv_quantization block's (plans of one shared group and residual).
     */
    private static KvScheme scheme(JsonNode h, JsonNode quant, String where) {
        int bits = h.path("bits").asInt(KvScheme.FULL_PRECISION_BITS);
        int keyBits = h.path("key_bits").asInt(bits), valueBits = h.path("value_bits").asInt(bits);
        for (int b : new int[] {bits, keyBits, valueBits})
            if (b != KvScheme.FULL_PRECISION_BITS && !KvScheme.isKiviWidth(b))
                throw new HeadroomException(where + ": bits must be 16, 8, 4 or 2, got " + b);
        if (keyBits == KvScheme.FULL_PRECISION_BITS && valueBits == KvScheme.FULL_PRECISION_BITS)
            return KvScheme.BF16;
        if (quant.isMissingNode())
            throw new HeadroomException(
                    where
                            + ": bits "
                            + keyBits
                            + "/"
                            + valueBits
                            + " needs a kv_quantization block (sink, keys)");
        try {
            return new KvScheme(
                    keyBits,
                    valueBits,
                    h.path("group").asInt(quant.path("group").asInt(32)),
                    h.path("residual").asInt(quant.path("residual").asInt(128)));
        } catch (IllegalArgumentException e) {
            throw new HeadroomException(where + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    public static AttentionPlan read(Path file, JsonNode root) {
        if (!matches(root))
            throw new HeadroomException(file + ": not a headroom plan (format != " + FORMAT + ")");
        if (root.path("version").asInt() != AttentionPlan.FORMAT_VERSION)
            throw new HeadroomException(
                    file + ": unsupported plan version " + root.path("version"));
        List<HeadSpan> heads = new ArrayList<>();
        List<KvScheme> schemes = new ArrayList<>();
        JsonNode quant = root.path("kv_quantization");
        int i = 0;
        for (JsonNode h : root.path("heads")) {
            String where = file + ": heads[" + i++ + "]";
            if (!h.path("layer").canConvertToInt() || !h.path("kv_head").canConvertToInt())
                throw new HeadroomException(where + ": layer and kv_head must be integers");
            double alpha = h.path("alpha").asDouble(-1), beta = h.path("beta").asDouble(-1);
            int sink = h.path("sink").asInt(-1);
            if (alpha < 0 || beta < 0 || sink < 0)
                throw new HeadroomException(where + ": alpha, beta and sink must be >= 0");
            schemes.add(scheme(h, quant, where));
            heads.add(
                    new HeadSpan(
                            h.get("layer").asInt(),
                            h.get("kv_head").asInt(),
                            h.path("kind").asText("window"),
                            sink,
                            alpha,
                            beta));
        }
        if (heads.isEmpty()) throw new HeadroomException(file + ": plan has no heads");
        ObjectMapper om = new ObjectMapper();
        List<Integer> lengths = new ArrayList<>();
        root.path("profiled_lengths").forEach(n -> lengths.add(n.asInt()));
        KvQuantization q = null;
        if (!quant.isMissingNode()) {
            String keys = quant.path("keys").asText(KeyBasis.POST_ROPE.configName());
            if (KeyBasis.parse(keys) == null)
                throw new HeadroomException(
                        file
                                + ": kv_quantization: keys must be post_rope or pre_rope, got "
                                + keys);
            try {
                q = new KvQuantization(quant.path("sink").asInt(0), KeyBasis.parse(keys), schemes);
            } catch (IllegalArgumentException e) {
                throw new HeadroomException(file + ": kv_quantization: " + e.getMessage());
            }
        }
        return new AttentionPlan(
                root.path("method").asText(),
                root.path("model_config_sha256").asText(),
                root.path("density_budget").asDouble(),
                lengths,
                heads,
                om.convertValue(root.path("predicted"), LinkedHashMap.class),
                om.convertValue(root.path("validation"), LinkedHashMap.class),
                q);
    }
}
