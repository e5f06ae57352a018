package dev.headroom.attention.oracle;

import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.checkpoint.Checkpoint;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.model.ConfigReader;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.model.TensorNames;
import dev.headroom.attention.pattern.HeadPattern;
import dev.headroom.attention.policy.ArtifactResolver;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LayerAttention;
import dev.headroom.attention.policy.LayerContext;
import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracle: the forward pass written element by element in float64 over plain arrays, in the
 * manner of llama2.c's run.c. Slow and obvious on purpose; the other runtimes are checked against
 * it. A sequence keeps every key and value and lets each KV head see exactly what its {@link
 * HeadPattern} allows ({@link HeadPattern#visible}), so it is the independent check of per-head
 * sparse attention too; its cache bytes count what a compact cache of the pattern holds.
 */
public final class NaiveTransformer implements LanguageModelRuntime {
    private final ModelConfig c;
    private final Path directory;
    private final RotaryTable rope;
    private final double[] embed; // [V*D]
    private final double[][][] layer; // [L][tensor][...]
    private final double[] finalNorm; // [D]
    private final double[] lmHead; // [V*D]
    private static final int ATTN_NORM = 0,
            WQ = 1,
            BQ = 2,
            WK = 3,
            BK = 4,
            WV = 5,
            BV = 6,
            WO = 7,
            BO = 8,
            MLP_NORM = 9,
            GATE = 10,
            UP = 11,
            DOWN = 12;

    /** Reads every weight of an open checkpoint (the caller closes it). */
    public NaiveTransformer(Checkpoint ckpt, ModelConfig c) {
        this(ckpt, c, null);
    }

    private NaiveTransformer(Checkpoint ckpt, ModelConfig c, Path directory) {
        this.c = c;
        this.directory = directory;
        this.rope = new RotaryTable(c);
        int d = c.hiddenSize(),
                q = c.numHeads() * c.headDim(),
                kv = c.numKvHeads() * c.headDim(),
                f = c.intermediateSize();
        embed = read(ckpt, TensorNames.EMBED, c.vocabSize(), d);
        layer = new double[c.numLayers()][13][];
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] t = layer[l];
            t[ATTN_NORM] = read(ckpt, p + TensorNames.ATTN_NORM, d);
            t[WQ] = read(ckpt, p + TensorNames.Q + ".weight", q, d);
            t[WK] = read(ckpt, p + TensorNames.K + ".weight", kv, d);
            t[WV] = read(ckpt, p + TensorNames.V + ".weight", kv, d);
            t[WO] = read(ckpt, p + TensorNames.O + ".weight", d, q);
            t[BQ] = c.qkvBias() ? read(ckpt, p + TensorNames.Q + ".bias", q) : new double[q];
            t[BK] = c.qkvBias() ? read(ckpt, p + TensorNames.K + ".bias", kv) : new double[kv];
            t[BV] = c.qkvBias() ? read(ckpt, p + TensorNames.V + ".bias", kv) : new double[kv];
            t[BO] = c.outputBias() ? read(ckpt, p + TensorNames.O + ".bias", d) : new double[d];
            t[MLP_NORM] = read(ckpt, p + TensorNames.MLP_NORM, d);
            t[GATE] = read(ckpt, p + TensorNames.GATE, f, d);
            t[UP] = read(ckpt, p + TensorNames.UP, f, d);
            t[DOWN] = read(ckpt, p + TensorNames.DOWN, d, f);
        }
        finalNorm = read(ckpt, TensorNames.FINAL_NORM, d);
        lmHead = c.tieWordEmbeddings() ? embed : read(ckpt, TensorNames.LM_HEAD, c.vocabSize(), d);
    }

    private static double[] read(Checkpoint ckpt, String name, long... shape) {
        float[] f = ckpt.read(name, shape);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /** Loads the checkpoint in {@code dir}. */
    public static NaiveTransformer load(Path dir) {
        ModelConfig config = ConfigReader.read(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            return new NaiveTransformer(ckpt, config.withStoredDtype(ckpt.storedDtype()), dir);
        }
    }

    @Override
    public Backend backend() {
        return Backend.ORACLE;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public void close() {}

    /** Dense logits [T][V] of every position of {@code ids}. */
    public double[][] logits(int[] ids) {
        return logits(ids, new DensePolicy());
    }

    /** Logits [T][V] of every position of {@code ids} under {@code policy}. */
    public double[][] logits(int[] ids, AttentionPolicy policy) {
        try (Sequence seq = open(policy, ids.length, ArtifactResolver.NONE)) {
            double[][] out = new double[ids.length][];
            for (int t = 0; t < ids.length; t++) out[t] = seq.step(ids[t]);
            return out;
        }
    }

    @Override
    public Sequence open(AttentionPolicy policy, int promptLength, ArtifactResolver artifacts) {
        HeadPattern[][] patterns = new HeadPattern[c.numLayers()][c.numKvHeads()];
        LayerAttention[] layers = new LayerAttention[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            layers[l] =
                    policy.forLayer(new LayerContext(c, l, promptLength, artifacts))
                            .limitedTo(c.slidingWindow());
            if (layers[l].kvHeads() != c.numKvHeads()) {
                throw new IllegalArgumentException(
                        policy.name()
                                + ": layer "
                                + l
                                + " has "
                                + layers[l].kvHeads()
                                + " KV heads, the model "
                                + c.numKvHeads());
            }
            for (int h = 0; h < c.numKvHeads(); h++) patterns[l][h] = layers[l].head(h).pattern();
        }
        return new Sequence(layers, patterns);
    }

    /** One sequence on the oracle: every position's keys and values, per layer. */
    public final class Sequence implements RuntimeSequence {
        private final LayerAttention[] layers;
        private final HeadPattern[][] patterns; // [L][KV]
        private final List<List<double[]>> keys = new ArrayList<>(),
                values = new ArrayList<>(); // [L][pos][KV*hd]
        private long pairs, causalPairs;
        // phi(k) of a linearized head's keys, [L][KV][pos][F], computed as the keys arrive
        private final List<List<List<double[]>>> keyFeatures = new ArrayList<>();

        private Sequence(LayerAttention[] layers, HeadPattern[][] patterns) {
            this.layers = layers;
            this.patterns = patterns;
            for (int l = 0; l < c.numLayers(); l++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
                List<List<double[]>> perHead = new ArrayList<>();
                for (int h = 0; h < c.numKvHeads(); h++) perHead.add(new ArrayList<>());
                keyFeatures.add(perHead);
            }
        }

        /**
         * A linearized head's output for query head {@code qi} of its group at position t: {@link
         * HybridAttentionReference}, with phi(k) of every key kept as it arrives.
         */
        private double[] hybrid(
                int l,
                int kvHead,
                int qi,
                HedgehogMaps maps,
                double[] q,
                double[][] kh,
                double[][] vh,
                HeadPattern p,
                int t) {
            List<double[]> phiK = keyFeatures.get(l).get(kvHead);
            while (phiK.size() <= t)
                phiK.add(HedgehogMaps.features(kh[phiK.size()], maps.keyMap()));
            double[] phiQ = HedgehogMaps.features(q, maps.queryMaps()[qi]);
            return HybridAttentionReference.attend(
                    q, kh, vh, phiQ, phiK.toArray(new double[0][]), maps.gamma()[qi], p, t);
        }

        @Override
        public float[] prefill(int[] ids) {
            double[] last = null;
            for (int id : ids) last = step(id);
            return toFloats(last);
        }

        @Override
        public float[][] prefillAll(int[] ids) {
            float[][] out = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) out[t] = toFloats(step(ids[t]));
            return out;
        }

        @Override
        public int position() {
            return keys.get(0).size();
        }

        @Override
        public long cacheBytes() {
            long sum = 0;
            for (int l = 0; l < layers.length; l++) {
                for (int h = 0; h < c.numKvHeads(); h++) {
                    sum += layers[l].head(h).format().bytes(heldTokens(l, h), c.headDim());
                }
            }
            return sum;
        }

        /** What a compact cache of the head's pattern holds; this oracle itself keeps every key. */
        @Override
        public int heldTokens(int layer, int kvHead) {
            return patterns[layer][kvHead].heldTokens(position());
        }

        @Override
        public double density() {
            return causalPairs == 0 ? 1.0 : (double) pairs / causalPairs;
        }

        @Override
        public void close() {
            keys.clear();
            values.clear();
            keyFeatures.clear();
        }

        /** Appends one token and returns its logits [V]. */
        double[] step(int id) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
            int t = position(),
                    d = c.hiddenSize(),
                    h = c.numHeads(),
                    kvh = c.numKvHeads(),
                    hd = c.headDim();
            int f = c.intermediateSize(), g = c.groupSize();
            double[] x = new double[d]; // residual stream [D]
            System.arraycopy(embed, id * d, x, 0, d);
            for (int l = 0; l < c.numLayers(); l++) {
                double[][] w = layer[l];
                double[] xn = rmsNorm(x, w[ATTN_NORM]);
                double[] q = matVec(w[WQ], w[BQ], xn, h * hd, d); // [H*hd]
                double[] k = matVec(w[WK], w[BK], xn, kvh * hd, d); // [KV*hd]
                double[] v = matVec(w[WV], w[BV], xn, kvh * hd, d);
                rotate(q, t, h);
                rotate(k, t, kvh);
                keys.get(l).add(k);
                values.get(l).add(v);
                double[] att = new double[h * hd]; // [H*hd]
                for (int kvHead = 0; kvHead < kvh; kvHead++) {
                    HeadPattern p = patterns[l][kvHead];
                    double[][] kh = new double[t + 1][], vh = new double[t + 1][];
                    boolean[] visible = new boolean[t + 1];
                    for (int s = 0; s <= t; s++) {
                        kh[s] = slice(keys.get(l).get(s), kvHead, hd);
                        vh[s] = slice(values.get(l).get(s), kvHead, hd);
                        visible[s] = p.visible(t, s);
                        if (visible[s]) pairs += g;
                    }
                    causalPairs += (long) g * (t + 1);
                    KvFormat format = layers[l].head(kvHead).format();
                    for (int qi = 0; qi < g; qi++) {
                        int head = kvHead * g + qi;
                        double[] qh = slice(q, head, hd);
                        double[] o =
                                format instanceof HybridLinearFormat hybrid
                                        ? hybrid(l, kvHead, qi, hybrid.maps(), qh, kh, vh, p, t)
                                        : ReferenceAttention.attend(qh, kh, vh, visible);
                        System.arraycopy(o, 0, att, head * hd, hd);
                    }
                }
                double[] o = matVec(w[WO], w[BO], att, d, h * hd);
                for (int i = 0; i < d; i++) x[i] += o[i];
                double[] xm = rmsNorm(x, w[MLP_NORM]);
                double[] gate = matVec(w[GATE], null, xm, f, d), up = matVec(w[UP], null, xm, f, d);
                for (int i = 0; i < f; i++) gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                double[] down = matVec(w[DOWN], null, gate, d, f);
                for (int i = 0; i < d; i++) x[i] += down[i];
            }
            return matVec(lmHead, null, rmsNorm(x, finalNorm), c.vocabSize(), d);
        }
    }

    private static double[] slice(double[] a, int head, int hd) {
        double[] out = new double[hd];
        System.arraycopy(a, head * hd, out, 0, hd);
        return out;
    }

    private static float[] toFloats(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double xi : x) ss += xi * xi;
        double scale = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * weight[i];
        return out;
    }

    /** W [rows, cols] times x, plus bias when given. */
    private static double[] matVec(double[] w, double[] bias, double[] x, int rows, int cols) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int j = 0; j < cols; j++) s += w[r * cols + j] * x[j];
            out[r] = s;
        }
        return out;
    }

    /** Rotates each head's pairs (i, i + hd/2) by the position's angle. */
    private void rotate(double[] vec, int pos, int heads) {
        int hd = c.headDim(), half = hd / 2;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                int a = head * hd + i, b = a + half;
                double cos = rope.cos(pos, i), sin = rope.sin(pos, i);
                double x1 = vec[a], x2 = vec[b];
                vec[a] = x1 * cos - x2 * sin;
                vec[b] = x2 * cos + x1 * sin;
            }
        }
    }
}
