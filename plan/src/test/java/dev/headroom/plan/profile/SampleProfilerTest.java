package dev.headroom.plan.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cpu.AttentionObserver;
import dev.headroom.attention.cpu.InferenceState;
import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.oracle.NaiveTransformer;
import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SampleProfiler end to end on the 2-layer fixture, against computations that share none of its
 * machinery: the loss against the float64 oracle, influence against finite differences of the loss
 * under the very masking MoA's formula linearizes, statistics and retrieval against the attention
 * the model computes (read by a plain observer).
 */
class SampleProfilerTest {
    private static final int LAYERS = 2, KV = 2, GROUP = 2, HEADS = KV * GROUP;

    @Test
    void profilesEveryHeadAndItsLossMatchesTheFloat64Oracle() {
        CalibrationSample s = ProfileTestSupport.copySample(40, 13);
        try (LoadedModel model = ProfileTestSupport.loadFixture()) {
            List<ProfileRow> rows = new SampleProfiler(new HeadProfiler(8, 2, 8)).profile(model, s);
            // 2 layers x 4 heads x (6 influence bins of 43 tokens + 3 statistics + retrieval)
            assertEquals(LAYERS * HEADS * (6 + 3 + 1), rows.size());
            assertTrue(
                    rows.stream()
                            .allMatch(r -> r.length() == s.length() && Double.isFinite(r.value())));
            NaiveTransformer oracle = NaiveTransformer.load(ProfileTestSupport.fixtureModel());
            double dense = SampleProfiler.loss(model, s, new DensePolicy());
            double narrow = SampleProfiler.loss(model, s, UniformSinkWindowPolicy.tokens(1, 2));
            assertEquals(oracleLoss(oracle, s, new DensePolicy()), dense, 2e-5);
            assertEquals(oracleLoss(oracle, s, UniformSinkWindowPolicy.tokens(1, 2)), narrow, 2e-5);
            assertTrue(Math.abs(narrow - dense) > 1e-3, "a 2-token window changes the answer loss");
        }
    }

    /**
     * MoA's influence of entry (i, j) is |dL/dt| at t = 0 where t masks a fraction t of A_ij and
     * renormalizes row i: A_ij -> (1 - t) A_ij, A_ik -> A_ik (1 - (1 - t) A_ij) / (1 - A_ij). Each
     * entry's slope here is a central difference of the tempered answer loss (cross-entropy
     * computed in Java from the logits) with the row changed by an observer; their absolute values,
     * summed into the same distance bins, must match the profiled rows.
     */
    @Test
    void influenceIsTheLossSlopeOfMaskingEachEntry() {
        int block = 4, sink = 2;
        double temperature = 2.0, t = 1e-2;
        CalibrationSample s = ProfileTestSupport.copySample(13, 13);
        int n = s.ids().length, bins = (n + block - 1) / block;
        try (LoadedModel model = ProfileTestSupport.loadFixture()) {
            List<ProfileRow> rows =
                    new SampleProfiler(new HeadProfiler(block, sink, 4), temperature)
                            .profile(model, s);
            List<int[]> entries = new ArrayList<>(); // (head, query i, key j)
            for (int h = 0; h < HEADS; h++)
                for (int i = sink; i < n; i++)
                    for (int j = sink; j <= i; j++) entries.add(new int[] {h, i, j});
            double[][][] expected = new double[LAYERS][HEADS][bins];
            for (int l = 0; l < LAYERS; l++) {
                double[] up = maskedLosses(model, s, temperature, l, entries, t),
                        down = maskedLosses(model, s, temperature, l, entries, -t);
                for (int e = 0; e < entries.size(); e++) {
                    int[] hij = entries.get(e);
                    expected[l][hij[0]][(hij[1] - hij[2]) / block] +=
                            Math.abs((up[e] - down[e]) / (2 * t));
                }
            }
            double largest = 0;
            for (double[][] layer : expected)
                for (double[] head : layer) for (double v : head) largest = Math.max(largest, v);
            assertTrue(largest > 1e-3, "the fixture's answer loss depends on its attention");
            int checked = 0;
            for (ProfileRow r : rows) {
                if (!r.metric().startsWith(ProfileRow.INFLUENCE_PREFIX)) continue;
                int bin =
                        Integer.parseInt(
                                r.metric().substring(ProfileRow.INFLUENCE_PREFIX.length()));
                double e = expected[r.layer()][r.head()][bin];
                assertEquals(e, r.value(), 1e-3 * largest + 1e-2 * e, r.key());
                assertEquals(r.head() / GROUP, r.kvHead(), r.key());
                checked++;
            }
            assertEquals(LAYERS * HEADS * bins, checked);
        }
    }

    /**
     * Sink mass, local mass, entropy and retrieval of every head, recomputed from the probabilities
     * the forward pass shows a plain observer. On the trained demo model, whose last layer has copy
     * heads, a needle sample: a random prompt whose answer repeats 4 of its tokens.
     */
    @Test
    void statisticsAndRetrievalComeFromTheModelsAttention() {
        int sink = 4, local = 16, n = 60, needle = 20;
        java.util.Random rnd = new java.util.Random(0);
        int[] prompt = new int[n];
        for (int i = 0; i < n; i++) prompt[i] = 4 + rnd.nextInt(400);
        int[] answer = java.util.Arrays.copyOfRange(prompt, needle, needle + 4);
        CalibrationSample s =
                CalibrationSample.promptAndAnswer(
                        "needle", 64, 0, prompt, answer, needle, needle + 4);
        int t = s.ids().length;
        try (LoadedModel model =
                LoadedModel.load(
                        Path.of(System.getProperty("headroom.repo.root", ".."))
                                .resolve("models/demo"))) {
            int layers = model.config().numLayers(), heads = model.config().numHeads();
            Map<String, Double> got = new HashMap<>();
            for (ProfileRow r :
                    new SampleProfiler(new HeadProfiler(16, sink, local), 8.0).profile(model, s)) {
                got.put(r.layer() + "/" + r.head() + "/" + r.metric(), r.value());
            }
            float[][] probs = probabilities(model, s);
            double bestRetrieval = 0;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    double sinkMass = 0, localMass = 0, entropy = 0;
                    for (int i = 0; i < t; i++) {
                        for (int j = 0; j <= i; j++) {
                            double p = probs[l][(h * t + i) * t + j];
                            if (j < sink) sinkMass += p;
                            if (i - j < local) localMass += p;
                            if (p > 0) entropy -= p * Math.log(p);
                        }
                    }
                    String at = l + "/" + h + "/";
                    assertEquals(sinkMass / t, got.get(at + ProfileRow.SINK_MASS), 1e-6, at);
                    assertEquals(localMass / t, got.get(at + ProfileRow.LOCAL_MASS), 1e-6, at);
                    assertEquals(entropy / t, got.get(at + ProfileRow.ENTROPY), 1e-5, at);
                    // every answer token is in the needle: a hit when the answer query's top key is
                    // that token there
                    int found = 0;
                    for (int p : s.lossPositions()) {
                        int top = 0;
                        for (int j = 1; j <= p; j++)
                            if (probs[l][(h * t + p) * t + j] > probs[l][(h * t + p) * t + top])
                                top = j;
                        if (top >= needle && top < needle + 4 && s.ids()[top] == s.ids()[p + 1])
                            found++;
                    }
                    double retrieval = (double) found / s.lossPositions().length;
                    assertEquals(retrieval, got.get(at + ProfileRow.RETRIEVAL), 1e-9, at);
                    bestRetrieval = Math.max(bestRetrieval, retrieval);
                }
            }
            assertTrue(
                    bestRetrieval >= 0.5,
                    "the demo model's copy heads find the needle (best " + bestRetrieval + ")");
        }
    }

    /** The answer loss from float64 oracle logits. */
    private static double oracleLoss(
            NaiveTransformer oracle, CalibrationSample s, AttentionPolicy policy) {
        double[][] logits = oracle.logits(s.ids(), policy);
        double sum = 0;
        for (int p : s.lossPositions()) sum += crossEntropy(logits[p], s.ids()[p + 1], 1.0);
        return sum / s.lossPositions().length;
    }

    private static double crossEntropy(double[] logits, int target, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) max = Math.max(max, v / temperature);
        double z = 0;
        for (double v : logits) z += Math.exp(v / temperature - max);
        return Math.log(z) + max - logits[target] / temperature;
    }

    /**
     * The tempered answer loss with one entry (h, i, j) of layer l masked by a fraction t and its
     * row renormalized, for every entry at once: batch element e of one forward pass carries entry
     * e's change.
     */
    private static double[] maskedLosses(
            LoadedModel model,
            CalibrationSample s,
            double temperature,
            int layer,
            List<int[]> entries,
            double t) {
        int n = s.ids().length, b = entries.size(), v = model.config().vocabSize();
        AttentionObserver mask =
                new AttentionObserver() {
                    @Override
                    public NDArray onProbabilities(int l, NDArray probs, int pos0) {
                        if (l != layer) return probs;
                        float[] p = probs.toFloatArray(); // [B, KV, G, T, T]
                        for (int e = 0; e < b; e++) {
                            int h = entries.get(e)[0], i = entries.get(e)[1], j = entries.get(e)[2];
                            int row = ((e * HEADS + h) * n + i) * n;
                            double a = p[row + j], rest = (1 - (1 - t) * a) / (1 - a);
                            for (int k = 0; k <= i; k++)
                                p[row + k] = (float) (k == j ? (1 - t) * a : p[row + k] * rest);
                        }
                        return probs.getManager().create(p, probs.getShape());
                    }
                };
        long[] ids = new long[b * n];
        for (int e = 0; e < b; e++) for (int k = 0; k < n; k++) ids[e * n + k] = s.ids()[k];
        float[] logits; // [B, T, V]
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(new DensePolicy(), n)) {
            NDArray batch = model.manager().create(ids, new Shape(b, n));
            logits = model.transformer().forward(batch, state, mask, false).toFloatArray();
        }
        double[] out = new double[b];
        for (int e = 0; e < b; e++) {
            double sum = 0;
            for (int p : s.lossPositions()) {
                double[] row = new double[v];
                for (int k = 0; k < v; k++) row[k] = logits[(e * n + p) * v + k];
                sum += crossEntropy(row, s.ids()[p + 1], temperature);
            }
            out[e] = sum / s.lossPositions().length;
        }
        return out;
    }

    /** Each layer's attention probabilities [KV * G * T * T] as the forward pass computes them. */
    private static float[][] probabilities(LoadedModel model, CalibrationSample s) {
        float[][] out = new float[model.config().numLayers()][];
        AttentionObserver read =
                new AttentionObserver() {
                    @Override
                    public NDArray onProbabilities(int l, NDArray probs, int pos0) {
                        out[l] = probs.toFloatArray();
                        return probs;
                    }
                };
        try (NDScope scope = new NDScope();
                InferenceState state = model.newState(new DensePolicy(), s.ids().length)) {
            model.transformer().forward(model.idsArray(s.ids()), state, read, false);
        }
        return out;
    }
}
