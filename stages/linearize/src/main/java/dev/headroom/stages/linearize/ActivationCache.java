package dev.headroom.stages.linearize;

import dev.headroom.attention.checkpoint.SafetensorsFile;
import dev.headroom.attention.checkpoint.SafetensorsWriter;
import dev.headroom.attention.checkpoint.TensorInfo;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The calibration activations attention transfer trains on, computed once per sample by the dense
 * model and kept on disk: per layer the rotated queries {@code layers.L.q} [H, T, hd] and the keys
 * and values {@code layers.L.k}, {@code .v} [KV, T, hd]. The layers' trainers read them back, so no
 * forward pass runs while training.
 */
final class ActivationCache {
    private ActivationCache() {}

    /** One sample's activations of one layer. */
    record Layer(float[] q, float[] k, float[] v, int length) {}

    /** Runs the sample through the dense model and writes every layer's activations. */
    static void write(LoadedModel model, int[] ids, Path file) throws IOException {
        write(model, ids, file, new DensePolicy(4), ArtifactResolver.NONE, 0);
    }

    /**
     * Runs the sample through the model under {@code policy} (the layers before {@code fromLayer}
     * as the upstream linearization says, the rest dense) and writes the activations of layers
     * {@code fromLayer} on: what those layers see once the earlier ones are linearized.
     */
    static void write(
            LoadedModel model,
            int[] ids,
            Path file,
            AttentionPolicy policy,
            ArtifactResolver artifacts,
            int fromLayer)
            throws IOException {
        ModelConfig c = model.config();
        int hd = c.headDim(), t = ids.length;
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        try (RuntimeSequence seq = model.open(policy, t, artifacts)) {
            seq.recordQueries();
            seq.prefill(ids);
            for (int l = fromLayer; l < c.numLayers(); l++) {
                float[][][] q = seq.lastQueries(l); // [H][T][hd]
                float[] qf = new float[c.numHeads() * t * hd];
                for (int h = 0; h < c.numHeads(); h++)
                    for (int i = 0; i < t; i++)
                        System.arraycopy(q[h][i], 0, qf, (h * t + i) * hd, hd);
                float[] kf = new float[c.numKvHeads() * t * hd], vf = new float[kf.length];
                for (int h = 0; h < c.numKvHeads(); h++) {
                    float[][] k = seq.cachedKeys(l, h), v = seq.cachedValues(l, h);
                    for (int i = 0; i < t; i++) {
                        System.arraycopy(k[i], 0, kf, (h * t + i) * hd, hd);
                        System.arraycopy(v[i], 0, vf, (h * t + i) * hd, hd);
                    }
                }
                tensors.put("layers." + l + ".q", tensor(qf, c.numHeads(), t, hd));
                tensors.put("layers." + l + ".k", tensor(kf, c.numKvHeads(), t, hd));
                tensors.put("layers." + l + ".v", tensor(vf, c.numKvHeads(), t, hd));
            }
        }
        SafetensorsWriter.write(file, tensors);
    }

    private static SafetensorsWriter.Tensor tensor(float[] data, long... shape) {
        return new SafetensorsWriter.Tensor(data, shape);
    }

    static Layer read(Path file, int layer) {
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Map<String, TensorInfo> t = st.tensors();
            TensorInfo q = t.get("layers." + layer + ".q");
            return new Layer(
                    st.readFloats(q),
                    st.readFloats(t.get("layers." + layer + ".k")),
                    st.readFloats(t.get("layers." + layer + ".v")),
                    (int) q.shape()[1]);
        }
    }
}
