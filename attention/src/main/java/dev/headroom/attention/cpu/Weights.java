package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.checkpoint.CheckpointException;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.TensorNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** All parameters of a model as fp32 NDArrays owned by one manager. Read-only during inference. */
public final class Weights implements AutoCloseable {
    private final NDManager manager;
    private final NDArray embedding; // [V, D]
    private final List<LayerWeights> layers;
    private final NDArray finalNorm; // [D]
    private final NDArray lmHead; // [V, D]; the embedding itself when tied

    private Weights(
            NDManager manager,
            NDArray embedding,
            List<LayerWeights> layers,
            NDArray finalNorm,
            NDArray lmHead) {
        this.manager = manager;
        this.embedding = embedding;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    public NDArray embedding() {
        return embedding;
    }

    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    public NDArray finalNorm() {
        return finalNorm;
    }

    public NDArray lmHead() {
        return lmHead;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * Reads every tensor the config implies, checking names and shapes; extra tensors are an error
     * too.
     */
    public static Weights load(Checkpoint ckpt, ModelConfig c, NDManager parent) {
        NDManager m = parent.newSubManager();
        try {
            Loader in = new Loader(ckpt, m);
            long d = c.hiddenSize(),
                    q = (long) c.numHeads() * c.headDim(),
                    kv = (long) c.numKvHeads() * c.headDim();
            NDArray embed = in.get(TensorNames.EMBED, c.vocabSize(), d);
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < c.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                layers.add(
                        new LayerWeights(
                                in.get(p + TensorNames.ATTN_NORM, d),
                                in.get(p + TensorNames.Q + ".weight", q, d),
                                c.qkvBias() ? in.get(p + TensorNames.Q + ".bias", q) : null,
                                in.get(p + TensorNames.K + ".weight", kv, d),
                                c.qkvBias() ? in.get(p + TensorNames.K + ".bias", kv) : null,
                                in.get(p + TensorNames.V + ".weight", kv, d),
                                c.qkvBias() ? in.get(p + TensorNames.V + ".bias", kv) : null,
                                in.get(p + TensorNames.O + ".weight", d, q),
                                c.outputBias() ? in.get(p + TensorNames.O + ".bias", d) : null,
                                in.get(p + TensorNames.MLP_NORM, d),
                                in.get(p + TensorNames.GATE, c.intermediateSize(), d),
                                in.get(p + TensorNames.UP, c.intermediateSize(), d),
                                in.get(p + TensorNames.DOWN, d, c.intermediateSize())));
            }
            NDArray norm = in.get(TensorNames.FINAL_NORM, d);
            NDArray head;
            if (c.tieWordEmbeddings()) {
                head = embed;
                in.skipIfPresent(TensorNames.LM_HEAD); // some exporters write the tied copy anyway
            } else {
                head = in.get(TensorNames.LM_HEAD, c.vocabSize(), d);
            }
            in.checkAllUsed();
            return new Weights(m, embed, layers, norm, head);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Fresh weights for training: normal(0, std) matrices, unit norms, zero biases; deterministic
     * in the seed.
     */
    public static Weights random(ModelConfig c, NDManager parent, long seed, double std) {
        NDManager m = parent.newSubManager();
        Random rnd = new Random(seed);
        long d = c.hiddenSize(),
                q = (long) c.numHeads() * c.headDim(),
                kv = (long) c.numKvHeads() * c.headDim();
        NDArray embed = normal(m, rnd, std, c.vocabSize(), d);
        List<LayerWeights> layers = new ArrayList<>();
        double outStd = std / Math.sqrt(2.0 * c.numLayers()); // residual projections scaled down,
        // as GPT-2 does
        for (int l = 0; l < c.numLayers(); l++) {
            layers.add(
                    new LayerWeights(
                            m.ones(new Shape(d)),
                            normal(m, rnd, std, q, d),
                            c.qkvBias() ? m.zeros(new Shape(q)) : null,
                            normal(m, rnd, std, kv, d),
                            c.qkvBias() ? m.zeros(new Shape(kv)) : null,
                            normal(m, rnd, std, kv, d),
                            c.qkvBias() ? m.zeros(new Shape(kv)) : null,
                            normal(m, rnd, outStd, d, q),
                            c.outputBias() ? m.zeros(new Shape(d)) : null,
                            m.ones(new Shape(d)),
                            normal(m, rnd, std, c.intermediateSize(), d),
                            normal(m, rnd, std, c.intermediateSize(), d),
                            normal(m, rnd, outStd, d, c.intermediateSize())));
        }
        NDArray head = c.tieWordEmbeddings() ? embed : normal(m, rnd, std, c.vocabSize(), d);
        return new Weights(m, embed, layers, m.ones(new Shape(d)), head);
    }

    private static NDArray normal(NDManager m, Random rnd, double std, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return m.create(v, new Shape(shape));
    }

    /** Every parameter under its Hugging Face name (the tied head once, as the embedding). */
    public Map<String, NDArray> named() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put(TensorNames.EMBED, embedding);
        for (int l = 0; l < layers.size(); l++) {
            LayerWeights w = layers.get(l);
            String p = "model.layers." + l + ".";
            out.put(p + TensorNames.ATTN_NORM, w.attnNorm());
            out.put(p + TensorNames.Q + ".weight", w.wq());
            if (w.bq() != null) out.put(p + TensorNames.Q + ".bias", w.bq());
            out.put(p + TensorNames.K + ".weight", w.wk());
            if (w.bk() != null) out.put(p + TensorNames.K + ".bias", w.bk());
            out.put(p + TensorNames.V + ".weight", w.wv());
            if (w.bv() != null) out.put(p + TensorNames.V + ".bias", w.bv());
            out.put(p + TensorNames.O + ".weight", w.wo());
            if (w.bo() != null) out.put(p + TensorNames.O + ".bias", w.bo());
            out.put(p + TensorNames.MLP_NORM, w.mlpNorm());
            out.put(p + TensorNames.GATE, w.wGate());
            out.put(p + TensorNames.UP, w.wUp());
            out.put(p + TensorNames.DOWN, w.wDown());
        }
        out.put(TensorNames.FINAL_NORM, finalNorm);
        if (lmHead != embedding) out.put(TensorNames.LM_HEAD, lmHead);
        return out;
    }

    public NDList parameters() {
        return new NDList(named().values());
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Reads tensors by name and remembers which were used, so unexpected extras are reported. */
    private static final class Loader {
        private final Checkpoint ckpt;
        private final NDManager m;
        private final java.util.Set<String> unused;

        Loader(Checkpoint ckpt, NDManager m) {
            this.ckpt = ckpt;
            this.m = m;
            this.unused = new java.util.LinkedHashSet<>(ckpt.tensors().keySet());
        }

        NDArray get(String name, long... shape) {
            float[] data = ckpt.read(name, shape);
            unused.remove(name);
            return m.create(data, new Shape(shape));
        }

        void skipIfPresent(String name) {
            unused.remove(name);
        }

        void checkAllUsed() {
            unused.removeIf(n -> n.endsWith("rotary_emb.inv_freq")); // buffers some exporters keep
            if (!unused.isEmpty()) {
                throw new CheckpointException(
                        ckpt.directory(),
                        "unexpected tensor '"
                                + unused.iterator().next()
                                + "' that the config does not account for ("
                                + unused.size()
                                + " in all)");
            }
        }
    }
}
