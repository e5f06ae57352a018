package dev.headroom.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The demo model's shape: a Llama with grouped-query attention and tied embeddings, written as a
 * Hugging Face {@code config.json} that {@code ConfigReader} reads like any other checkpoint's.
 *
 * @param ropeTheta a large base (as Llama 3) keeps a few rotary pairs nearly still over 2048
 *     positions, which content look-ups far back need in narrow heads
 */
public record DemoModelSpec(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositions,
        double ropeTheta) {

    /**
     * The bundled model (models/demo): 3 layers, 8 query heads over 2 KV heads of width 32 (wider
     * than hidden / heads), hidden 128, MLP 256, 4096 positions, RoPE base 500000;
     * models/demo/README.md says why this shape.
     */
    public static final DemoModelSpec DEMO =
            new DemoModelSpec(128, 256, 3, 8, 2, 32, 4096, 500_000.0);

    /** A tiny shape for tests. */
    public static final DemoModelSpec TINY = new DemoModelSpec(32, 64, 2, 4, 2, 8, 1024, 10_000.0);

    public ObjectNode toJson(int vocabSize) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("intermediate_size", intermediateSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", numKvHeads);
        c.put("head_dim", headDim);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", ropeTheta);
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", true);
        c.put("bos_token_id", WordTokenizer.BOS_ID);
        c.put("eos_token_id", WordTokenizer.EOS_ID);
        c.put("pad_token_id", WordTokenizer.PAD_ID);
        c.put("torch_dtype", "float32");
        return c;
    }

    public void writeConfig(Path dir, int vocabSize) throws IOException {
        AtomicFiles.writeJson(dir.resolve("config.json"), toJson(vocabSize));
    }
}
