package dev.headroom.attention.linear;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.checkpoint.SafetensorsFile;
import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.checkpoint.TensorInfo;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The linearize stage's feature maps for a whole model, as {@code
 * artifacts/linear/feature_maps.safetensors} holds them: per linearized (layer, KV head) the
 * tensors {@code layers.L.kv_heads.H.q_map} [G, headDim, f], {@code .k_map} [headDim, f], {@code
 * .gamma} [G], {@code .span} [2] (sink, window) and {@code .linear_part} [1]: 0 where the stage's
 * gate switched the head's linear part off, so the head keeps its exact sink + window alone
 * (absent: 1). Heads that were not trained are absent.
 */
public final class LinearHeads implements Serializable {
    /** Where the linearize stage writes it, relative to the run directory. */
    public static final String FILE = "artifacts/linear/feature_maps.safetensors";

    private final HedgehogMaps[][] maps; // [L][KV], null where exact
    private final boolean[][] linearPart; // [L][KV]; false: the gate kept the window alone

    /** Every trained head with its linear part on. */
    public LinearHeads(HedgehogMaps[][] maps) {
        this(maps, null);
    }

    /**
     * @param linearPart [L][KV], false where the head keeps its sink + window alone; null: all on
     */
    public LinearHeads(HedgehogMaps[][] maps, boolean[][] linearPart) {
        this.maps = maps;
        this.linearPart = new boolean[maps.length][];
        for (int l = 0; l < maps.length; l++) {
            this.linearPart[l] = new boolean[maps[l].length];
            for (int h = 0; h < maps[l].length; h++)
                this.linearPart[l][h] = linearPart == null || linearPart[l][h];
        }
    }

    public int layers() {
        return maps.length;
    }

    public int kvHeads() {
        return maps[0].length;
    }

    /** The head's maps, or null when it was not linearized. */
    public HedgehogMaps maps(int layer, int kvHead) {
        return maps[layer][kvHead];
    }

    /** The stage trained the head's maps (whether or not its gate kept the linear part). */
    public boolean trained(int layer, int kvHead) {
        return maps[layer][kvHead] != null;
    }

    /** Trained, with the linear part on: the head attends as hybrid attention. */
    public boolean isLinear(int layer, int kvHead) {
        return trained(layer, kvHead) && linearPart[layer][kvHead];
    }

    /** False where the gate switched a trained head's linear part off. */
    public boolean linearPart(int layer, int kvHead) {
        return linearPart[layer][kvHead];
    }

    private static String prefix(int layer, int kvHead) {
        return "layers." + layer + ".kv_heads." + kvHead + ".";
    }

    /** Writes the file (under a temporary name, then renamed). */
    public void write(Path file) throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < maps.length; l++) {
            for (int h = 0; h < maps[l].length; h++) {
                HedgehogMaps m = maps[l][h];
                if (m == null) continue;
                int g = m.group(), hd = m.headDim(), f = m.columns();
                float[] q = new float[g * hd * f];
                for (int i = 0; i < g; i++)
                    for (int d = 0; d < hd; d++)
                        System.arraycopy(m.queryMaps()[i][d], 0, q, (i * hd + d) * f, f);
                float[] k = new float[hd * f];
                for (int d = 0; d < hd; d++) System.arraycopy(m.keyMap()[d], 0, k, d * f, f);
                String p = prefix(l, h);
                tensors.put(p + "q_map", new SafetensorsWriter.Tensor(q, new long[] {g, hd, f}));
                tensors.put(p + "k_map", new SafetensorsWriter.Tensor(k, new long[] {hd, f}));
                tensors.put(p + "gamma", new SafetensorsWriter.Tensor(m.gamma(), new long[] {g}));
                tensors.put(
                        p + "span",
                        new SafetensorsWriter.Tensor(
                                new float[] {m.sink(), m.window()}, new long[] {2}));
                tensors.put(
                        p + "linear_part",
                        new SafetensorsWriter.Tensor(
                                new float[] {linearPart[l][h] ? 1f : 0f}, new long[] {1}));
            }
        }
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        SafetensorsWriter.write(file, tensors);
    }

    /** Reads a file for a model of {@code layers} x {@code kvHeads} KV heads. */
    public static LinearHeads read(Path file, int layers, int kvHeads) {
        if (!java.nio.file.Files.isRegularFile(file))
            throw new HeadroomException(
                    file + ": no feature maps (run the linearize stage before this method)");
        HedgehogMaps[][] maps = new HedgehogMaps[layers][kvHeads];
        boolean[][] on = new boolean[layers][kvHeads];
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Map<String, TensorInfo> t = st.tensors();
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    String p = prefix(l, h);
                    TensorInfo q = t.get(p + "q_map");
                    if (q == null) continue;
                    int g = (int) q.shape()[0], hd = (int) q.shape()[1], f = (int) q.shape()[2];
                    float[] qf = st.readFloats(q), kf = st.readFloats(need(t, p + "k_map", file));
                    float[] gamma = st.readFloats(need(t, p + "gamma", file));
                    float[] span = st.readFloats(need(t, p + "span", file));
                    float[][][] qm = new float[g][hd][f];
                    float[][] km = new float[hd][f];
                    for (int i = 0; i < g; i++)
                        for (int d = 0; d < hd; d++)
                            System.arraycopy(qf, (i * hd + d) * f, qm[i][d], 0, f);
                    for (int d = 0; d < hd; d++) System.arraycopy(kf, d * f, km[d], 0, f);
                    maps[l][h] =
                            new HedgehogMaps(
                                    Math.round(span[0]), Math.round(span[1]), qm, km, gamma);
                    TensorInfo part = t.get(p + "linear_part");
                    on[l][h] = part == null || st.readFloats(part)[0] != 0f;
                }
            }
        }
        return new LinearHeads(maps, on);
    }

    private static TensorInfo need(Map<String, TensorInfo> t, String name, Path file) {
        TensorInfo i = t.get(name);
        if (i == null) throw new HeadroomException(file + ": tensor " + name + " is missing");
        return i;
    }
}
