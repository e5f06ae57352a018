package dev.headroom.stages.quantizekv;

import dev.headroom.attention.cpu.LoadedModel;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.oracle.ReferenceAttention;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.PlanPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import dev.headroom.plan.profile.CalibrationSample;
import dev.headroom.stages.shared.KvQuantRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What quantizing one KV head costs on one calibration sample. The prompt is prefilled once in full
 * precision; for each (layer, KV head, width) that prefill is forked into a cache where only that
 * head is KIVI-quantized in one of the measured schemes, and the answer is scored teacher-forced
 * over it (each answer token sees the quantized prompt, as in generation).
 */
final class KvQuantMeasurement {
    private KvQuantMeasurement() {}

    static List<KvQuantRow> measure(
            LoadedModel model,
            CalibrationSample s,
            List<KvScheme> schemes,
            KvQuantization shared,
            double temperature) {
        ModelConfig c = model.config();
        int[] ids = s.ids();
        int prompt = s.lossPositions()[0] + 1;
        int[] promptIds = Arrays.copyOf(ids, prompt);
        int[] answer = Arrays.copyOfRange(ids, prompt, ids.length);
        int[] teacher = Arrays.copyOf(answer, answer.length - 1); // answer tokens fed back
        List<HeadSpan> full = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++)
            for (int h = 0; h < c.numKvHeads(); h++) full.add(new HeadSpan(l, h, "full", 0, 0, 1));
        AttentionPlan dense =
                new AttentionPlan("dense", "", 1, List.of(), full, Map.of(), Map.of());
        List<KvQuantRow> rows = new ArrayList<>();
        try (RuntimeSequence seq = model.open(new DensePolicy(), prompt)) {
            float[] last = seq.prefill(promptIds);
            float[][][][] queries = new float[c.numLayers()][][][]; // [L][H][T][hd]
            double base;
            try (RuntimeSequence ref = seq.fork(new DensePolicy())) {
                ref.recordQueries();
                float[][] logits = teacher.length == 0 ? new float[0][] : ref.prefillAll(teacher);
                base = answerLoss(last, logits, answer, temperature);
                if (teacher.length > 0)
                    for (int l = 0; l < c.numLayers(); l++) queries[l] = ref.lastQueries(l);
            }
            for (int l = 0; l < c.numLayers(); l++) {
                for (int h = 0; h < c.numKvHeads(); h++) {
                    float[][] k = seq.cachedKeys(l, h), v = seq.cachedValues(l, h);
                    for (KvScheme scheme : schemes) {
                        List<KvScheme> b = new ArrayList<>();
                        for (int i = 0; i < full.size(); i++)
                            b.add(i == l * c.numKvHeads() + h ? scheme : KvScheme.BF16);
                        PlanPolicy policy =
                                new PlanPolicy(
                                        dense.withKvQuantization(shared.withSchemes(b)),
                                        "kivi-" + scheme.label() + "@" + l + "/" + h);
                        try (RuntimeSequence q = seq.fork(policy)) {
                            float[][] qk = q.cachedKeys(l, h), qv = q.cachedValues(l, h);
                            float[][] logits =
                                    teacher.length == 0 ? new float[0][] : q.prefillAll(teacher);
                            double attention =
                                    queries[l] == null
                                            ? 0
                                            : attentionError(
                                                    queries[l], h, c.groupSize(), k, v, qk, qv);
                            rows.add(
                                    KvQuantRow.of(
                                            new KvQuantRow.Measured(l, h, scheme),
                                            relativeRms(qk, k),
                                            relativeRms(qv, v),
                                            attention,
                                            answerLoss(last, logits, answer, temperature) - base,
                                            1));
                        }
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Mean cross-entropy of the answer under logits / T: token 0 from the prompt's logits, token i
     * from row i - 1.
     */
    static double answerLoss(float[] last, float[][] rows, int[] answer, double temperature) {
        double sum = 0;
        for (int i = 0; i < answer.length; i++)
            sum += -logSoftmax(i == 0 ? last : rows[i - 1], answer[i], temperature);
        return sum / answer.length;
    }

    private static double logSoftmax(float[] logits, int target, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) max = Math.max(max, x / temperature);
        double sum = 0;
        for (float x : logits) sum += Math.exp(x / temperature - max);
        return logits[target] / temperature - max - Math.log(sum);
    }

    static double relativeRms(float[][] got, float[][] ref) {
        double err = 0, norm = 0;
        for (int t = 0; t < ref.length; t++)
            for (int i = 0; i < ref[t].length; i++) {
                double d = got[t][i] - ref[t][i];
                err += d * d;
                norm += (double) ref[t][i] * ref[t][i];
            }
        return norm == 0 ? 0 : Math.sqrt(err / norm);
    }

    /**
     * Relative L2 error, in float64, of softmax attention of the query heads of KV head h (queries
     * [H][T][hd]) over the prompt's keys and values, quantized (qk, qv) against full precision.
     */
    static double attentionError(
            float[][][] queries,
            int kvHead,
            int groupSize,
            float[][] k,
            float[][] v,
            float[][] qk,
            float[][] qv) {
        double[][] k64 = widen(k), v64 = widen(v), qk64 = widen(qk), qv64 = widen(qv);
        boolean[] all = new boolean[k.length];
        java.util.Arrays.fill(all, true);
        double err = 0, norm = 0;
        for (int g = kvHead * groupSize; g < (kvHead + 1) * groupSize; g++) {
            for (float[] q : queries[g]) {
                double[] q64 = widen(q);
                double[] ref = ReferenceAttention.attend(q64, k64, v64, all),
                        got = ReferenceAttention.attend(q64, qk64, qv64, all);
                for (int i = 0; i < ref.length; i++) {
                    err += (got[i] - ref[i]) * (got[i] - ref[i]);
                    norm += ref[i] * ref[i];
                }
            }
        }
        return norm == 0 ? 0 : Math.sqrt(err / norm);
    }

    private static double[] widen(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i];
        return out;
    }

    private static double[][] widen(float[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) out[i] = widen(x[i]);
        return out;
    }
}
