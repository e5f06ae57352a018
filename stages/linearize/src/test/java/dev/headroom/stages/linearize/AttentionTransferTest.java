package dev.headroom.stages.linearize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attention transfer on the demo model's cached activations: a few Adam steps lower the held-out
 * MSE of the chosen head, the others stay exact, and the maps survive the safetensors round trip.
 */
class AttentionTransferTest {
    private static final Path DEMO =
            Path.of(System.getProperty("headroom.repo.root", "../..")).resolve("models/demo");

    @Test
    void transferLowersTheHeldOutError(@TempDir Path dir) throws Exception {
        ModelConfig c;
        Path train = dir.resolve("train.safetensors"), held = dir.resolve("held.safetensors");
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            c = model.config();
            Random r = new Random(1);
            ActivationCache.write(model, ids(r, 160, c.vocabSize()), train);
            ActivationCache.write(model, ids(r, 160, c.vocabSize()), held);
        }
        LinearizeParams.Training s = new LinearizeParams.Training(4, 16, 8, 40, 0.02, 10, 5, 0);
        AttentionTransfer.Result result =
                AttentionTransfer.train(
                        0, c, List.of(train), List.of(held), new boolean[] {false, true}, s);
        assertNull(result.maps()[0]);
        assertTrue(
                result.finalMse()[1] < result.initialMse()[1],
                "held-out MSE " + result.initialMse()[1] + " -> " + result.finalMse()[1]);
        assertTrue(Double.isNaN(result.finalMse()[0]));

        dev.headroom.attention.linear.HedgehogMaps[][] maps =
                new dev.headroom.attention.linear.HedgehogMaps[c.numLayers()][c.numKvHeads()];
        maps[0] = result.maps();
        Path file = dir.resolve("maps.safetensors");
        new LinearHeads(maps).write(file);
        assertTrue(Files.isRegularFile(file));
        LinearHeads back = LinearHeads.read(file, c.numLayers(), c.numKvHeads());
        assertTrue(back.isLinear(0, 1) && !back.isLinear(0, 0) && !back.isLinear(1, 1));
        assertEquals(16, back.maps(0, 1).window());
        assertEquals(result.maps()[1].keyMap()[3][5], back.maps(0, 1).keyMap()[3][5], 0.0, "k_map");
    }

    private static int[] ids(Random r, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 4 + r.nextInt(vocab - 4);
        return ids;
    }
}
