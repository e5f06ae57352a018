package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A trained head whose linear part the linearize stage's gate switched off: the flag survives the
 * feature-map file, and the head attends with its exact sink + window alone, exactly as a plain
 * sink + window policy makes it attend.
 */
class GatedLinearHeadsTest {
    private static final Path DEMO =
            Path.of(System.getProperty("headroom.repo.root", "..")).resolve("models/demo");
    private static final int SINK = 4, WINDOW = 16, LENGTH = 96;

    private static LinearHeads gated(LinearHeads all, int layer, int kvHead) {
        HedgehogMaps[][] maps = new HedgehogMaps[all.layers()][all.kvHeads()];
        boolean[][] on = new boolean[all.layers()][all.kvHeads()];
        for (int l = 0; l < maps.length; l++)
            for (int h = 0; h < maps[l].length; h++) {
                maps[l][h] = all.maps(l, h);
                on[l][h] = !(l == layer && h == kvHead);
            }
        return new LinearHeads(maps, on);
    }

    @Test
    void theFlagSurvivesTheFile() throws Exception {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            ModelConfig c = model.config();
            LinearHeads heads = gated(LinearTestHeads.everyHead(c, SINK, WINDOW, 8, 3), 1, 1);
            Path file = Files.createTempDirectory("gated").resolve("maps.safetensors");
            heads.write(file);
            LinearHeads back = LinearHeads.read(file, c.numLayers(), c.numKvHeads());
            for (int l = 0; l < c.numLayers(); l++)
                for (int h = 0; h < c.numKvHeads(); h++) {
                    boolean off = l == 1 && h == 1;
                    assertTrue(back.trained(l, h));
                    assertTrue(back.linearPart(l, h) != off, "layer " + l + " head " + h);
                    assertTrue(back.isLinear(l, h) != off);
                }
        }
    }

    private static float[][] logits(LoadedModel model, AttentionPolicy policy, LinearHeads heads) {
        int[] ids = new int[LENGTH];
        for (int i = 0; i < LENGTH; i++) ids[i] = 4 + (i * 37) % 300;
        try (RuntimeSequence seq = model.open(policy, LENGTH, LinearTestHeads.serving(heads))) {
            return seq.prefillAll(ids);
        }
    }

    @Test
    void aGatedHeadAttendsWithItsWindowAlone() {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            ModelConfig c = model.config();
            LinearHeads all = LinearTestHeads.everyHead(c, SINK, WINDOW, 8, 4);
            LinearHeads oneOff = gated(all, 0, 0);
            float[][] got =
                    logits(
                            model,
                            new LinearHeadsPolicy(new DensePolicy(), null, true, "gated"),
                            oneOff);
            // the same model: every other head linear, layer 0 KV head 0 as plain sink + window
            boolean[][] others = new boolean[c.numLayers()][c.numKvHeads()];
            for (boolean[] row : others) java.util.Arrays.fill(row, true);
            others[0][0] = false;
            float[][] want =
                    logits(
                            model,
                            new LinearHeadsPolicy(
                                    UniformSinkWindowPolicy.tokens(SINK, WINDOW),
                                    others,
                                    true,
                                    "reference"),
                            all);
            float[][] allOn =
                    logits(
                            model,
                            new LinearHeadsPolicy(new DensePolicy(), null, true, "linear"),
                            all);
            boolean differs = false;
            for (int i = 0; i < LENGTH; i++) {
                assertArrayEquals(want[i], got[i], 1e-4f, "position " + i);
                for (int v = 0; v < got[i].length; v++)
                    differs |= Math.abs(got[i][v] - allOn[i][v]) > 1e-3;
            }
            assertTrue(differs, "switching the linear part off changes the logits");
            assertFalse(oneOff.isLinear(0, 0));
        }
    }
}
