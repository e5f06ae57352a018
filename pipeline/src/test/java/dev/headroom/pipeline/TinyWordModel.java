package dev.headroom.pipeline;

import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.model.TensorNames;
import dev.headroom.train.DemoModelSpec;
import dev.headroom.train.WordTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * An untrained checkpoint in the demo model's format, small enough for tests: the demo's word-level
 * tokenizer (so text tasks run), the TINY shape, random weights from a fixed seed. Its answers are
 * wrong, but every step of a text case (encode, prefill, decode, score) runs for real.
 */
public final class TinyWordModel {

    private TinyWordModel() {}

    /** Writes the model into {@code dir} (created) and returns it. */
    public static Path create(Path dir) {
        try {
            Files.createDirectories(dir);
            WordTokenizer tokenizer = WordTokenizer.forTasks();
            tokenizer.write(dir.resolve("tokenizer.json"));
            DemoModelSpec s = DemoModelSpec.TINY;
            s.writeConfig(dir, tokenizer.vocabSize());
            Random rng = new Random(42);
            Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
            int d = s.hiddenSize(),
                    q = s.numHeads() * s.headDim(),
                    kv = s.numKvHeads() * s.headDim(),
                    f = s.intermediateSize();
            t.put(TensorNames.EMBED, random(rng, tokenizer.vocabSize(), d));
            for (int l = 0; l < s.numLayers(); l++) {
                t.put(TensorNames.layer(l, TensorNames.ATTN_NORM), ones(d));
                t.put(TensorNames.layer(l, TensorNames.MLP_NORM), ones(d));
                t.put(TensorNames.layer(l, TensorNames.Q + ".weight"), random(rng, q, d));
                t.put(TensorNames.layer(l, TensorNames.K + ".weight"), random(rng, kv, d));
                t.put(TensorNames.layer(l, TensorNames.V + ".weight"), random(rng, kv, d));
                t.put(TensorNames.layer(l, TensorNames.O + ".weight"), random(rng, d, q));
                t.put(TensorNames.layer(l, TensorNames.GATE), random(rng, f, d));
                t.put(TensorNames.layer(l, TensorNames.UP), random(rng, f, d));
                t.put(TensorNames.layer(l, TensorNames.DOWN), random(rng, d, f));
            }
            t.put(TensorNames.FINAL_NORM, ones(d));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), t);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SafetensorsWriter.Tensor random(Random rng, int rows, int cols) {
        float[] data = new float[rows * cols];
        double std = 1.0 / Math.sqrt(cols);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (rng.nextGaussian() * std);
        }
        return new SafetensorsWriter.Tensor(data, new long[] {rows, cols});
    }

    private static SafetensorsWriter.Tensor ones(int n) {
        float[] data = new float[n];
        java.util.Arrays.fill(data, 1f);
        return new SafetensorsWriter.Tensor(data, new long[] {n});
    }
}
