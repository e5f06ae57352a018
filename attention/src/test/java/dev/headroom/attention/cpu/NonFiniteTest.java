package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN or Inf never reaches a report: a non-finite weight is refused at load, naming the tensor and
 * element; a forward pass whose activations overflow float32 is refused, naming the layer and
 * block.
 */
class NonFiniteTest {
    @TempDir Path dir;

    /** A copy of an F32 fixture with elements [from, to) of one tensor set to {@code value}. */
    private Path patched(String tensor, int from, int to, float value) throws Exception {
        Path src = Path.of("src/test/resources/hf-fixtures/llama_f32_tied");
        Path out = Files.createDirectories(dir.resolve(tensor + "-" + value));
        Files.copy(src.resolve("config.json"), out.resolve("config.json"));
        byte[] b = Files.readAllBytes(src.resolve("model.safetensors"));
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerBytes = (int) buf.getLong(0);
        JsonNode header =
                new ObjectMapper().readTree(new String(b, 8, headerBytes, StandardCharsets.UTF_8));
        assertEquals("F32", header.path(tensor).path("dtype").asText());
        int begin = 8 + headerBytes + header.path(tensor).path("data_offsets").get(0).asInt();
        for (int i = from; i < to; i++) buf.putFloat(begin + 4 * i, value);
        Files.write(out.resolve("model.safetensors"), b);
        return out;
    }

    @Test
    void aNonFiniteWeightIsRefusedAtLoad() throws Exception {
        Path model = patched("model.layers.1.mlp.up_proj.weight", 7, 8, Float.NaN);
        HeadroomException e = assertThrows(HeadroomException.class, () -> LoadedModel.load(model));
        assertEquals(
                model.resolve("model.safetensors")
                        + ": tensor 'model.layers.1.mlp.up_proj.weight' holds NaN at element 7 of "
                        + (96 * 64)
                        + "; a checkpoint's weights must be finite",
                e.getMessage());
    }

    @Test
    void anActivationThatOverflowsIsRefusedWithItsLayer() throws Exception {
        Path model = patched("model.layers.0.self_attn.o_proj.weight", 0, 64 * 64, 3.0e38f);
        try (LoadedModel m = LoadedModel.load(model);
                RuntimeSequence seq = m.open(new DensePolicy(), 4)) {
            HeadroomException e =
                    assertThrows(
                            HeadroomException.class, () -> seq.prefill(new int[] {5, 6, 7, 8}));
            assertEquals(
                    "layer 0: the residual stream after the attention block is not finite (NaN or"
                            + " Inf) at positions 0..3; the weights are finite, so an activation"
                            + " overflowed float32",
                    e.getMessage());
        }
    }
}
