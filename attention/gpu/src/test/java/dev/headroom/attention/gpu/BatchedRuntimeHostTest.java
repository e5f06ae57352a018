package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.pattern.HeadPattern;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host arithmetic of the bf16 caches, the fit check and the decode splits, which needs no GPU.
 */
class BatchedRuntimeHostTest {
    @TempDir Path dir;

    private ModelConfig config(int headDim) throws IOException {
        Files.writeString(
                dir.resolve("config.json"),
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":4096,"
                        + "\"intermediate_size\":14336,\"num_hidden_layers\":32,"
                        + "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"head_dim\":"
                        + headDim
                        + ",\"vocab_size\":128256,\"max_position_embeddings\":131072,"
                        + "\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,"
                        + "\"tie_word_embeddings\":false}");
        return ConfigReader.read(dir);
    }

    @Test
    void theLlama31Shape_hasItsPublishedParameterCount() throws IOException {
        // 8,030,261,248 parameters: 16.06 GB in bf16, what the device reported for the random model
        assertEquals(8_030_261_248L, CudaModel.parameters(config(128)));
    }

    @Test
    void bf16CachesAreTheDefaultWhereTheirKernelsRun() throws IOException {
        ModelConfig c = config(128);
        assertEquals(KvStorage.BF16, KvStorage.defaultFor(c, CudaPrecision.BF16));
        assertEquals(KvStorage.FP32, KvStorage.defaultFor(c, CudaPrecision.FP32));
        assertThrows(
                IllegalArgumentException.class,
                () -> KvStorage.check(KvStorage.BF16, c, CudaPrecision.FP32));
        ModelConfig odd = config(96);
        assertEquals(KvStorage.FP32, KvStorage.defaultFor(odd, CudaPrecision.BF16));
    }

    @Test
    void aCacheTakesItsPatternsSlots() {
        HeadPattern[] heads = {HeadPattern.full(), HeadPattern.sinkWindow(64, 1024)};
        // keys and values, bf16: the full head holds maxTokens rows, the streaming one sink +
        // window
        assertEquals(
                2L * 2 * (32768 + 1088) * 128, CompressedKvCache.deviceBytes(heads, 128, 32768));
    }

    @Test
    void planSplitsFinerThanItsLongestHeadWouldGive() {
        int sms = 132;
        long dense = 8L * 32768, plan = 2L * 32768 + 6L * 1088;
        assertEquals(512, DecodeWorkspace.splitLength(dense, 1, sms));
        // from all heads' slots: 256 keys a split, so the two full heads spread over 256 CTAs
        assertEquals(256, DecodeWorkspace.splitLength(plan, 1, sms));
        assertTrue(DecodeWorkspace.splitLength(32768L * 8, 1, sms) > 256);
    }

    @Test
    void workspaceRowsGrowLinearly() throws IOException {
        ModelConfig c = config(128);
        assertEquals(2 * CudaForward.rowBytes(c, 1000), CudaForward.rowBytes(c, 2000));
        assertEquals(2L * 1000 * 128 * (2 * 32 + 2 * 8), Bf16KvAttention.scratchBytes(c, 1000));
    }
}
