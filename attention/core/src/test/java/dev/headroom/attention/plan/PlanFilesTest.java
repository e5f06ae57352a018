package dev.headroom.attention.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three plan formats read back. attention/core cannot see plan/'s {@code PlanExports}, so
 * {@link #moaExport} and {@link #duoExport} write exactly what it writes (the strings {@code
 * plan/}'s DuoAndExportTest pins for the same plan are asserted here too).
 */
class PlanFilesTest {
    /** 2 layers, 4 query heads, 2 KV heads (group 2), like the tiny Llama fixture. */
    static final String CONFIG =
            """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
             "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2, "head_dim": 16,
             "max_position_embeddings": 256, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "vocab_size": 128,
             "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": 2, "dtype": "float32"}
            """;

    @TempDir Path dir;
    ModelConfig model;
    String hash;

    static final List<HeadSpan> MOA_HEADS =
            List.of(
                    new HeadSpan(0, 0, "window", 16, 64, 0.25),
                    new HeadSpan(0, 1, "full", 16, 0, 1.0),
                    new HeadSpan(1, 0, "window", 16, 128, 0),
                    new HeadSpan(1, 1, "window", 16, 0, 0.5));
    static final List<HeadSpan> DUO_HEADS =
            List.of(
                    new HeadSpan(0, 0, "streaming", 16, 64, 0),
                    new HeadSpan(0, 1, "retrieval", 16, 0, 1.0),
                    new HeadSpan(1, 0, "streaming", 16, 64, 0),
                    new HeadSpan(1, 1, "streaming", 16, 64, 0));

    @BeforeEach
    void model() throws Exception {
        Path m = Files.createDirectories(dir.resolve("model"));
        Files.writeString(m.resolve("config.json"), CONFIG);
        model = ConfigReader.read(m);
        hash = ModelIdentity.configHash(m);
    }

    AttentionPlan plan(String method, List<HeadSpan> heads) {
        return new AttentionPlan(
                method, hash, 0.5, List.of(64), heads, Map.of("loss", 0.1), Map.of("chosen", 0));
    }

    /**
     * PlanExports.moa serialised by a plain ObjectMapper: [layer][query head], full heads alpha 0,
     * beta 1.
     */
    static String moaExport(AttentionPlan plan, int layers, int kvHeads, int group) {
        double[][] a = new double[layers][kvHeads * group], b = new double[layers][kvHeads * group];
        for (HeadSpan h : plan.heads()) {
            for (int q = 0; q < group; q++) {
                a[h.layer()][h.kvHead() * group + q] = h.isFull() ? 0 : h.alpha();
                b[h.layer()][h.kvHead() * group + q] = h.isFull() ? 1 : h.beta();
            }
        }
        Map<String, double[][]> out = new java.util.LinkedHashMap<>();
        out.put("alphas", a);
        out.put("betas", b);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(out);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** PlanExports.duoTsv: a row per layer, a tab-separated 1 (full) or 0 per KV head. */
    static String duoExport(AttentionPlan plan, int layers, int kvHeads) {
        int[][] full = new int[layers][kvHeads];
        for (HeadSpan h : plan.heads()) full[h.layer()][h.kvHead()] = h.isFull() ? 1 : 0;
        StringBuilder sb = new StringBuilder();
        for (int[] row : full) {
            for (int k = 0; k < row.length; k++) sb.append(k == 0 ? "" : "\t").append(row[k]);
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void headroomPlanRoundTrips() throws Exception {
        AttentionPlan p = plan("moa", MOA_HEADS);
        p.write(dir.resolve("plan.json"));
        PlanFiles.Read r =
                PlanFiles.readFor(
                        dir.resolve("plan.json"), model, hash, PlanFiles.Defaults.DUO_ATTENTION);
        assertEquals(PlanFiles.Format.HEADROOM, r.format());
        assertEquals(p.heads(), r.plan().heads(), "sinks come from the file, not the defaults");
        assertEquals(hash, r.plan().modelConfigHash());
    }

    @Test
    void kvQuantizationRoundTripsWithItsKeyBasis() throws Exception {
        KvQuantization uniform =
                KvQuantization.uniform(32, 64, 4, KeyBasis.PRE_ROPE, List.of(16, 2, 4, 8));
        List<KvScheme> schemes = new java.util.ArrayList<>(uniform.schemes());
        schemes.set(3, new KvScheme(4, 2, 128, 0)); // split widths, its own group and residual
        KvQuantization q = uniform.withSchemes(schemes);
        AttentionPlan p = plan("moa", MOA_HEADS).withKvQuantization(q);
        p.write(dir.resolve("plan.json"));
        AttentionPlan back =
                PlanFiles.readFor(
                                dir.resolve("plan.json"),
                                model,
                                hash,
                                PlanFiles.Defaults.DUO_ATTENTION)
                        .plan();
        assertEquals(q, back.kvQuantization());
        assertEquals(KvScheme.kivi(2, 32, 64), back.scheme(0, 1));
        assertEquals(new KvScheme(4, 2, 128, 0), back.scheme(1, 1));
        assertTrue(
                Files.readString(dir.resolve("plan.json")).contains("\"value_bits\" : 2"),
                "split widths are written as key_bits and value_bits");
        String json = Files.readString(dir.resolve("plan.json"));
        Files.writeString(dir.resolve("bad.json"), json.replace("\"pre_rope\"", "\"sideways\""));
        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                PlanFiles.readFor(
                                        dir.resolve("bad.json"),
                                        model,
                                        hash,
                                        PlanFiles.Defaults.DUO_ATTENTION));
        assertEquals(
                dir.resolve("bad.json")
                        + ": kv_quantization: keys must be post_rope or pre_rope, got sideways",
                e.getMessage());
    }

    @Test
    void moaExportReadsBackAsTheSameHeads() throws Exception {
        String moa = moaExport(plan("moa", MOA_HEADS), 2, 2, 2);
        assertEquals(
                "{\"alphas\":[[64.0,64.0,0.0,0.0],[128.0,128.0,0.0,0.0]],\"betas\":[[0.25,0.25,1.0,1.0],[0.0,0.0,0.5,0.5]]}",
                moa,
                "what PlanExports writes for this plan (plan/ DuoAndExportTest)");
        Files.writeString(dir.resolve("moa_plan.json"), moa);
        PlanFiles.Read r =
                PlanFiles.readFor(
                        dir.resolve("moa_plan.json"), model, hash, new PlanFiles.Defaults(16, 999));
        assertEquals(PlanFiles.Format.MOA, r.format());
        assertEquals(MOA_HEADS, r.plan().heads());
        assertEquals("", r.plan().modelConfigHash(), "MoA's file names no model");
        assertEquals(64 + 512, r.plan().head(0, 0).window(2048));
    }

    @Test
    void moaGroupsTakeTheWidestSpanOfTheirQueryHeads() throws Exception {
        Files.writeString(
                dir.resolve("moa.json"),
                "{\"alphas\": [[8, 32, 0, 0], [0, 0, 1024, 16]], \"betas\": [[0.5, 0.125, 0, 0.25], [0, 0, 0, 1]]}");
        AttentionPlan p =
                PlanFiles.read(dir.resolve("moa.json"), model, new PlanFiles.Defaults(4, 0)).plan();
        assertEquals(
                List.of(
                        new HeadSpan(0, 0, "window", 4, 32, 0.5),
                        new HeadSpan(0, 1, "window", 4, 0, 0.25),
                        new HeadSpan(1, 0, "window", 4, 0, 0),
                        new HeadSpan(1, 1, "full", 4, 0, 1.0)),
                p.heads());
    }

    @Test
    void duoExportReadsBackAsTheSameHeads() throws Exception {
        String tsv = duoExport(plan("duo", DUO_HEADS), 2, 2);
        assertEquals("0\t1\n0\t0\n", tsv);
        Files.writeString(dir.resolve("full_attention_heads.tsv"), tsv);
        PlanFiles.Read r =
                PlanFiles.readFor(
                        dir.resolve("full_attention_heads.tsv"),
                        model,
                        hash,
                        new PlanFiles.Defaults(16, 64));
        assertEquals(PlanFiles.Format.DUO, r.format());
        assertEquals(DUO_HEADS, r.plan().heads());
        assertEquals(64, r.plan().head(0, 0).window(2048));
        assertEquals(0, r.plan().head(0, 1).window(2048));
    }

    @Test
    void duoAttentionsOwnGateValuesAreThresholdedAtOneHalfWithItsDefaults() throws Exception {
        // numpy.savetxt as DuoAttention's save_full_attention_heads writes it; a header comment,
        // values out of [0, 1] clipped
        Files.writeString(
                dir.resolve("gates.txt"),
                "# trained gates\n9.500000000000000000e-01\t1.200000000000000000e-01\n"
                        + "5.000000000000000000e-01\t-3.0e-02\n\n");
        AttentionPlan p =
                PlanFiles.read(dir.resolve("gates.txt"), model, PlanFiles.Defaults.DUO_ATTENTION)
                        .plan();
        assertEquals(
                List.of(
                        new HeadSpan(0, 0, "retrieval", 64, 0, 1.0),
                        new HeadSpan(0, 1, "streaming", 64, 256, 0),
                        new HeadSpan(1, 0, "retrieval", 64, 0, 1.0),
                        new HeadSpan(1, 1, "streaming", 64, 256, 0)),
                p.heads());
    }

    @Test
    void eachBadFileIsOneLineNamingIt() throws Exception {
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": plan file not found", fail(missing));

        Files.writeString(dir.resolve("broken.json"), "{\"format\": \"headroom-plan\",");
        assertTrue(
                fail(dir.resolve("broken.json"))
                        .startsWith(dir.resolve("broken.json") + ": not valid JSON: "));

        Files.writeString(dir.resolve("other.json"), "{\"layers\": []}");
        Files.writeString(dir.resolve("config.yaml"), "model: models/demo\n");
        assertTrue(
                fail(dir.resolve("config.yaml"))
                        .contains(": not a plan: expected headroom's plan.json"));
        assertTrue(
                fail(dir.resolve("other.json"))
                        .contains(": not a plan: expected headroom's plan.json"));

        new AttentionPlan("moa", "0123", 0.5, List.of(64), MOA_HEADS, Map.of(), Map.of())
                .write(dir.resolve("foreign.json"));
        assertEquals(
                dir.resolve("foreign.json")
                        + ": the plan was made for another model (config sha256 0123, this model's is "
                        + hash
                        + ")",
                fail(dir.resolve("foreign.json")));

        plan("moa", MOA_HEADS.subList(0, 3)).write(dir.resolve("short.json"));
        assertEquals(
                dir.resolve("short.json")
                        + ": plan has 3 head spans but the model has 2 layers x 2 KV heads",
                fail(dir.resolve("short.json")));

        Files.writeString(
                dir.resolve("moa_plan.json"),
                "{\"alphas\": [[0, 0], [0, 0]], \"betas\": [[0, 0], [0, 0]]}");
        assertEquals(
                dir.resolve("moa_plan.json")
                        + ": alphas[0] has 2 heads but the model has 4 query heads per layer",
                fail(dir.resolve("moa_plan.json")));

        Files.writeString(dir.resolve("a.tsv"), "0\t1\n0\t0\n1\t1\n");
        assertEquals(
                dir.resolve("a.tsv") + ":3: more than the model's 2 layers",
                fail(dir.resolve("a.tsv")));
        Files.writeString(dir.resolve("b.tsv"), "0\t1\t0\t0\n");
        assertEquals(
                dir.resolve("b.tsv")
                        + ":1: layer 0 has 4 values but the model has 2 KV heads"
                        + " (a value per query head; DuoAttention's TSV has one per KV head)",
                fail(dir.resolve("b.tsv")));
        Files.writeString(dir.resolve("c.tsv"), "0\tx\n");
        assertEquals(
                dir.resolve("c.tsv") + ":1: column 2 is 'x', not a number",
                fail(dir.resolve("c.tsv")));
        Files.writeString(dir.resolve("d.tsv"), "0\t1\n");
        assertEquals(
                dir.resolve("d.tsv") + ": 1 rows but the model has 2 layers",
                fail(dir.resolve("d.tsv")));
    }

    String fail(Path file) {
        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                PlanFiles.readFor(
                                        file, model, hash, PlanFiles.Defaults.DUO_ATTENTION));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void namesSuggestTheFormatBeforeTheFileExists() {
        assertEquals(PlanFiles.Format.HEADROOM, PlanFiles.formatOfName("duo_plan.json"));
        assertEquals(PlanFiles.Format.MOA, PlanFiles.formatOfName("moa_plan.json"));
        assertEquals(PlanFiles.Format.DUO, PlanFiles.formatOfName("full_attention_heads.tsv"));
    }
}
