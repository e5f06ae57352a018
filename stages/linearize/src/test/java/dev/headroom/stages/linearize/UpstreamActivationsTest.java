package dev.headroom.stages.linearize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.checkpoint.SafetensorsFile;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream: linearized}: layer 1's cached activations come from the model whose layer 0 is
 * already hybrid, so they differ from the dense model's; with layer 0's linear parts switched off
 * by the gate they are those of layer 0 as its sink + window alone, which differ again. Layer 0
 * itself sees the same inputs either way and is not written.
 */
class UpstreamActivationsTest {
    private static final Path DEMO =
            Path.of(System.getProperty("headroom.repo.root", "../..")).resolve("models/demo");

    @Test
    void layerOneTrainsOnTheLinearizedLayerZero(@TempDir Path dir) throws Exception {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            ModelConfig c = model.config();
            int[] ids = new int[200];
            Random r = new Random(5);
            for (int i = 0; i < ids.length; i++) ids[i] = 4 + r.nextInt(c.vocabSize() - 4);
            boolean[][] chosen = new boolean[c.numLayers()][c.numKvHeads()];
            HedgehogMaps[][] maps = new HedgehogMaps[c.numLayers()][c.numKvHeads()];
            boolean[][] on = new boolean[c.numLayers()][c.numKvHeads()];
            for (int l = 0; l < c.numLayers(); l++)
                for (int h = 0; h < c.numKvHeads(); h++) {
                    chosen[l][h] = true;
                    maps[l][h] = HedgehogMaps.initial(4, 16, c.groupSize(), c.headDim(), 8);
                    on[l][h] = true;
                }
            Path dense = dir.resolve("dense.safetensors"),
                    hybrid = dir.resolve("hybrid.safetensors"),
                    window = dir.resolve("window.safetensors");
            ActivationCache.write(model, ids, dense);
            write(
                    model,
                    ids,
                    hybrid,
                    LinearizeStage.upstream(chosen, maps, on, 1, dir.resolve("u")));
            boolean[][] off = new boolean[c.numLayers()][c.numKvHeads()];
            write(
                    model,
                    ids,
                    window,
                    LinearizeStage.upstream(chosen, maps, off, 1, dir.resolve("w")));

            ActivationCache.Layer d = ActivationCache.read(dense, 1),
                    h = ActivationCache.read(hybrid, 1),
                    w = ActivationCache.read(window, 1);
            assertFalse(java.util.Arrays.equals(d.k(), h.k()), "layer 1 sees the hybrid layer 0");
            assertFalse(java.util.Arrays.equals(h.k(), w.k()), "the gate changes layer 0");
            assertEquals(
                    ActivationCache.read(dense, 2).q().length,
                    ActivationCache.read(hybrid, 2).q().length);
            try (SafetensorsFile st = SafetensorsFile.open(hybrid)) {
                assertTrue(st.tensors().get("layers.0.q") == null, "layer 0 is not written");
            }
            // the first position attends to itself alone, whatever the policy: equal there
            for (int i = 0; i < c.headDim(); i++) assertTrue(Math.abs(d.k()[i] - h.k()[i]) < 1e-4);
        }
    }

    private static void write(
            LoadedModel model, int[] ids, Path file, CacheActivationsFn.Upstream up)
            throws Exception {
        ActivationCache.write(
                model,
                ids,
                file,
                up.policy(),
                ArtifactResolver.under(Path.of(up.root())),
                up.fromLayer());
    }
}
