package dev.headroom.attention.cpu;

import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Function;

/** Random feature maps for tests, served by an in-memory {@link ArtifactResolver}. */
final class LinearTestHeads {
    private LinearTestHeads() {}

    /** Maps with random W (scale 0.5) and gamma in [0.5, 1.5). */
    static HedgehogMaps random(Random r, int sink, int window, int group, int headDim, int f) {
        float[][][] q = new float[group][][];
        for (int g = 0; g < group; g++) q[g] = matrix(r, headDim, f);
        float[] gamma = new float[group];
        for (int g = 0; g < group; g++) gamma[g] = 0.5f + r.nextFloat();
        return new HedgehogMaps(sink, window, q, matrix(r, headDim, f), gamma);
    }

    private static float[][] matrix(Random r, int rows, int cols) {
        float[][] w = new float[rows][cols];
        for (float[] row : w)
            for (int j = 0; j < cols; j++) row[j] = (float) (0.5 * r.nextGaussian());
        return w;
    }

    /** Every KV head of the model linearized with random maps. */
    static LinearHeads everyHead(ModelConfig c, int sink, int window, int f, long seed) {
        Random r = new Random(seed);
        HedgehogMaps[][] maps = new HedgehogMaps[c.numLayers()][c.numKvHeads()];
        for (int l = 0; l < maps.length; l++)
            for (int h = 0; h < maps[l].length; h++)
                maps[l][h] = random(r, sink, window, c.groupSize(), c.headDim(), f);
        return new LinearHeads(maps);
    }

    /** A resolver that answers {@link LinearHeads#FILE} with {@code heads}. */
    static ArtifactResolver serving(LinearHeads heads) {
        return new ArtifactResolver() {
            @Override
            public Path resolve(String relativePath) {
                return Path.of(relativePath);
            }

            @Override
            public <T> T load(String relativePath, Class<T> type, Function<Path, T> loader) {
                if (!relativePath.equals(LinearHeads.FILE))
                    throw new IllegalArgumentException("no artifact " + relativePath);
                return type.cast(heads);
            }
        };
    }
}
