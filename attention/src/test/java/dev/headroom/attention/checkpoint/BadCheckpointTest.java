package dev.headroom.attention.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.TestModels;
import dev.headroom.attention.cpu.LoadedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input gets one clear line naming the file and the problem, never an
 * OutOfMemoryError or a trace.
 */
class BadCheckpointTest {
    @TempDir Path tmp;
    Path model;

    @BeforeEach
    void copyGoodModel() throws IOException {
        model = tmp.resolve("model");
        Files.createDirectories(model);
        Path src = TestModels.HF_FIXTURES.resolve("llama_f32_tied");
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(src.resolve(f), model.resolve(f));
    }

    private String failure() {
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> LoadedModel.load(model).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private void assertMessage(String... parts) {
        String msg = failure();
        for (String p : parts)
            assertTrue(msg.contains(p), "message '" + msg + "' should contain '" + p + "'");
    }

    private byte[] weights() throws IOException {
        return Files.readAllBytes(model.resolve("model.safetensors"));
    }

    /** Rewrites the safetensors header through {@code edit}, keeping the data section. */
    private void editHeader(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        byte[] all = weights();
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header =
                (ObjectNode)
                        new ObjectMapper()
                                .readTree(new String(all, 8, (int) len, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        ByteBuffer out =
                ByteBuffer.allocate(8 + json.length + all.length - 8 - (int) len)
                        .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(all, 8 + (int) len, all.length - 8 - (int) len);
        Files.write(model.resolve("model.safetensors"), out.array());
    }

    private void editConfig(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode cfg =
                (ObjectNode) new ObjectMapper().readTree(model.resolve("config.json").toFile());
        edit.accept(cfg);
        new ObjectMapper().writeValue(model.resolve("config.json").toFile(), cfg);
    }

    @Test
    void missingDirectory() {
        model = tmp.resolve("nowhere");
        assertMessage("nowhere", "model directory not found");
    }

    @Test
    void missingConfig() throws IOException {
        Files.delete(model.resolve("config.json"));
        assertMessage("config.json", "file not found");
    }

    @Test
    void missingWeights() throws IOException {
        Files.delete(model.resolve("model.safetensors"));
        assertMessage("model.safetensors", "file not found");
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = weights();
        Files.write(
                model.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length - 100));
        assertMessage("model.safetensors", "run past the end of the data", "truncated");
    }

    @Test
    void fileShorterThanHeaderLength() throws IOException {
        Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertMessage("model.safetensors", "truncated safetensors file");
    }

    @Test
    void headerLongerThanFile() throws IOException {
        byte[] all = weights();
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, all.length + 10L);
        Files.write(model.resolve("model.safetensors"), all);
        assertMessage("model.safetensors", "longer than the file");
    }

    @Test
    void headerOverSaneCap() throws IOException {
        byte[] all = weights();
        ByteBuffer.wrap(all)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, 1L << 40); // a terabyte header: never allocated
        Files.write(model.resolve("model.safetensors"), all);
        assertMessage("model.safetensors", "outside the sane range");
    }

    @Test
    void headerNotJson() throws IOException {
        byte[] all = weights();
        all[8] = '#';
        Files.write(model.resolve("model.safetensors"), all);
        assertMessage("model.safetensors", "not valid JSON");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        editHeader(
                h ->
                        ((ObjectNode) h.get("model.norm.weight"))
                                .putArray("data_offsets")
                                .add(1L << 40)
                                .add((1L << 40) + 256));
        assertMessage("model.norm.weight", "run past the end of the data");
    }

    @Test
    void overlappingTensors() throws IOException {
        editHeader(
                h -> {
                    var a = h.get("model.norm.weight").get("data_offsets");
                    ((ObjectNode) h.get("model.layers.0.input_layernorm.weight"))
                            .set("data_offsets", a.deepCopy());
                });
        assertMessage("model.safetensors", "overlap");
    }

    @Test
    void offsetsDisagreeWithShape() throws IOException {
        editHeader(h -> ((ObjectNode) h.get("model.norm.weight")).putArray("shape").add(32));
        assertMessage("model.norm.weight", "do not match shape");
    }

    @Test
    void missingTensor() throws IOException {
        editHeader(h -> h.remove("model.layers.1.mlp.up_proj.weight"));
        assertMessage("model.layers.1.mlp.up_proj.weight", "is missing");
    }

    @Test
    void wrongShape() throws IOException {
        editConfig(c -> c.put("intermediate_size", 80));
        assertMessage(
                "model.layers.0.mlp.gate_proj.weight",
                "has shape [96, 64] but the config implies [80, 64]");
    }

    @Test
    void wrongDtype() throws IOException {
        editHeader(h -> ((ObjectNode) h.get("model.norm.weight")).put("dtype", "I64"));
        assertMessage("model.norm.weight", "unsupported dtype 'I64'");
    }

    @Test
    void unexpectedTensor() throws IOException {
        editConfig(c -> c.put("num_hidden_layers", 1));
        assertMessage("unexpected tensor 'model.layers.1.");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        editConfig(c -> c.putArray("architectures").add("GPT2LMHeadModel"));
        assertMessage("config.json", "unsupported architecture 'GPT2LMHeadModel'");
    }

    @Test
    void unsupportedRopeType() throws IOException {
        editConfig(c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        assertMessage("config.json", "unsupported rope_scaling type 'yarn'");
    }

    @Test
    void badConfigValue() throws IOException {
        editConfig(c -> c.put("num_key_value_heads", 3));
        assertMessage("config.json", "not a multiple of num_key_value_heads 3");
    }

    @Test
    void unsupportedActivation() throws IOException {
        editConfig(c -> c.put("hidden_act", "gelu"));
        assertMessage("config.json", "unsupported hidden_act 'gelu'");
    }

    @Test
    void shardedCheckpointLoadsLikeTheSingleFile() throws Exception {
        // split the single file into two shards plus an index, as large checkpoints come
        Path shardDir = tmp.resolve("sharded");
        Files.createDirectories(shardDir);
        Files.copy(model.resolve("config.json"), shardDir.resolve("config.json"));
        var names = new java.util.ArrayList<String>();
        var tensorsA = new java.util.LinkedHashMap<String, SafetensorsWriter.Tensor>();
        var tensorsB = new java.util.LinkedHashMap<String, SafetensorsWriter.Tensor>();
        try (Checkpoint c = Checkpoint.open(model)) {
            for (TensorInfo t : c.tensors().values()) {
                names.add(t.name());
                var target = t.name().contains("layers.1") ? tensorsB : tensorsA;
                target.put(
                        t.name(),
                        new SafetensorsWriter.Tensor(c.read(t.name(), t.shape()), t.shape()));
            }
        }
        SafetensorsWriter.write(shardDir.resolve("model-00001-of-00002.safetensors"), tensorsA);
        SafetensorsWriter.write(shardDir.resolve("model-00002-of-00002.safetensors"), tensorsB);
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        for (String n : names)
            map.put(
                    n,
                    n.contains("layers.1")
                            ? "model-00002-of-00002.safetensors"
                            : "model-00001-of-00002.safetensors");
        new ObjectMapper().writeValue(shardDir.resolve(Checkpoint.INDEX_FILE).toFile(), index);
        int[] ids = {5, 9, 17, 33, 2, 7};
        try (LoadedModel single = LoadedModel.load(model);
                LoadedModel sharded = LoadedModel.load(shardDir)) {
            float[][] a = single.logits(ids, new dev.headroom.attention.policy.DensePolicy());
            float[][] b = sharded.logits(ids, new dev.headroom.attention.policy.DensePolicy());
            for (int t = 0; t < ids.length; t++)
                org.junit.jupiter.api.Assertions.assertArrayEquals(a[t], b[t]);
        }
        // a shard the index names but that is gone
        Files.delete(shardDir.resolve("model-00002-of-00002.safetensors"));
        model = shardDir;
        assertMessage("model-00002-of-00002.safetensors", "file not found");
    }
}
