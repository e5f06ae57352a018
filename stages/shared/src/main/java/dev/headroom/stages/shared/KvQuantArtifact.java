package dev.headroom.stages.shared;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.plan.KeyBasis;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code artifacts/kv_quant.json}, what the quantize_kv stage decided and measured: the KIVI group,
 * residual and sink, whether keys are fitted before or after RoPE, the bits applied to each (layer,
 * KV head), each head's measured sensitivity per scheme (the search's costs: uniform widths at the
 * stage's group and residual, and any further key/value widths, groups and residuals), and a
 * compressed-tensors style {@code kv_cache_scheme}.
 *
 * @param bits [layer][kvHead] applied widths (16 = bf16), at the stage's group and residual
 * @param sensitivity [layer][kvHead] scheme -> answer-loss increase, in measurement order
 */
public record KvQuantArtifact(
        int group,
        int residual,
        int sink,
        KeyBasis keys,
        int[][] bits,
        List<List<Map<KvScheme, Double>>> sensitivity) {
    public static final String FILE = "kv_quant.json", FORMAT = "headroom-kv-quant";

    public int layers() {
        return bits.length;
    }

    public int kvHeads() {
        return bits[0].length;
    }

    /** The measured sensitivity of a head in a scheme: 0 in bf16. */
    public double sensitivity(int layer, int kvHead, KvScheme scheme) {
        if (scheme.isFullPrecision()) return 0;
        Double s = sensitivity.get(layer).get(kvHead).get(scheme);
        if (s == null)
            throw new HeadroomException(
                    FILE
                            + ": no sensitivity measured for layer "
                            + layer
                            + " head "
                            + kvHead
                            + " in "
                            + scheme.label());
        return s;
    }

    /** The schemes measured (bf16 not included), in measurement order. */
    public List<KvScheme> measuredSchemes() {
        return new ArrayList<>(sensitivity.get(0).get(0).keySet());
    }

    /** The applied scheme as a plan's per-head quantization, in (layer, KV head) order. */
    public KvQuantization quantization() {
        List<Integer> b = new ArrayList<>();
        for (int[] layer : bits) for (int x : layer) b.add(x);
        return KvQuantization.uniform(group, residual, sink, keys, b);
    }

    public void write(Path artifacts) throws IOException {
        Files.createDirectories(artifacts);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", 1);
        root.put("group", group);
        root.put("residual", residual);
        root.put("sink", sink);
        root.put("keys", keys.configName());
        root.put("kv_cache_scheme", quantization().kvCacheScheme());
        List<Map<String, Object>> heads = new ArrayList<>();
        for (int l = 0; l < bits.length; l++)
            for (int h = 0; h < bits[l].length; h++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", l);
                m.put("kv_head", h);
                m.put("bits", bits[l][h]);
                List<Map<String, Object>> measured = new ArrayList<>();
                sensitivity
                        .get(l)
                        .get(h)
                        .forEach(
                                (scheme, v) -> {
                                    Map<String, Object> e = new LinkedHashMap<>();
                                    e.put("key_bits", scheme.keyBits());
                                    e.put("value_bits", scheme.valueBits());
                                    e.put("group", scheme.group());
                                    e.put("residual", scheme.residual());
                                    e.put("sensitivity", v);
                                    measured.add(e);
                                });
                m.put("schemes", measured);
                heads.add(m);
            }
        root.put("heads", heads);
        AtomicFiles.write(
                artifacts.resolve(FILE),
                tmp ->
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValue(tmp.toFile(), root));
    }

    public static KvQuantArtifact read(Path artifacts, int layers, int kvHeads) {
        Path f = artifacts.resolve(FILE);
        if (!Files.isRegularFile(f))
            throw new HeadroomException(
                    f
                            + ": not found; a joint span and bits search needs a quantize_kv stage before it");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new HeadroomException(f + ": not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (!FORMAT.equals(root.path("format").asText()))
            throw new HeadroomException(f + ": not a " + FORMAT + " file");
        int[][] bits = new int[layers][kvHeads];
        List<List<Map<KvScheme, Double>>> sens = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<Map<KvScheme, Double>> row = new ArrayList<>();
            for (int h = 0; h < kvHeads; h++) row.add(null);
            sens.add(row);
        }
        int i = 0;
        for (JsonNode h : root.path("heads")) {
            String where = f + ": heads[" + i++ + "]";
            int l = h.path("layer").asInt(-1), k = h.path("kv_head").asInt(-1);
            if (l < 0 || l >= layers || k < 0 || k >= kvHeads)
                throw new HeadroomException(
                        where + ": (" + l + ", " + k + ") is outside the model");
            bits[l][k] = h.path("bits").asInt(16);
            Map<KvScheme, Double> s = new LinkedHashMap<>();
            for (JsonNode e : h.path("schemes")) {
                try {
                    s.put(
                            new KvScheme(
                                    e.path("key_bits").asInt(),
                                    e.path("value_bits").asInt(),
                                    e.path("group").asInt(),
                                    e.path("residual").asInt()),
                            e.path("sensitivity").asDouble());
                } catch (IllegalArgumentException x) {
                    throw new HeadroomException(where + ": schemes: " + x.getMessage());
                }
            }
            // version 1 files before schemes: width -> sensitivity at the file's group and residual
            for (var e :
                    (Iterable<Map.Entry<String, JsonNode>>) () -> h.path("sensitivity").fields()) {
                int width;
                try {
                    width = Integer.parseInt(e.getKey());
                } catch (NumberFormatException notANumber) {
                    throw new HeadroomException(
                            where + ": sensitivity key '" + e.getKey() + "' is not a bit width");
                }
                if (!e.getValue().isNumber())
                    throw new HeadroomException(
                            where + ": sensitivity at " + width + " bits is not a number");
                try {
                    s.putIfAbsent(
                            KvScheme.kivi(
                                    width,
                                    root.path("group").asInt(),
                                    root.path("residual").asInt()),
                            e.getValue().asDouble());
                } catch (IllegalArgumentException x) {
                    throw new HeadroomException(where + ": sensitivity: " + x.getMessage());
                }
            }
            sens.get(l).set(k, s);
        }
        for (int l = 0; l < layers; l++)
            for (int k = 0; k < kvHeads; k++)
                if (sens.get(l).get(k) == null)
                    throw new HeadroomException(f + ": no entry for layer " + l + " head " + k);
        String keys = root.path("keys").asText(KeyBasis.POST_ROPE.configName());
        if (KeyBasis.parse(keys) == null)
            throw new HeadroomException(f + ": keys must be post_rope or pre_rope, got " + keys);
        try {
            KvQuantArtifact read =
                    new KvQuantArtifact(
                            root.path("group").asInt(),
                            root.path("residual").asInt(),
                            root.path("sink").asInt(),
                            KeyBasis.parse(keys),
                            bits,
                            sens);
            read.quantization(); // the applied widths, group, residual and sink hold together
            return read;
        } catch (IllegalArgumentException e) {
            throw new HeadroomException(f + ": " + e.getMessage());
        }
    }
}
