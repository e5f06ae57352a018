package dev.headroom.stages.linearize;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.headroom.attention.cpu.HybridLinearKernel;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.pattern.HeadPattern;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Attention transfer of one layer (LoLCATs' first step): the chosen heads' feature maps and gamma
 * are fitted so that their hybrid attention output matches the dense softmax output on the cached
 * calibration activations, by Adam on the mean squared error, with q, k, v and o frozen (only the
 * attention output is compared, so o never enters). Every {@code evalEvery} steps the held-out
 * samples' MSE is measured; the best maps so far are kept, and training stops after {@code
 * patience} evaluations without improvement.
 */
final class AttentionTransfer {
    /** DJL collects gradients with one collector at a time per JVM. */
    static final Object GRADIENT_LOCK = new Object();

    private static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;

    private AttentionTransfer() {}

    /**
     * What training one layer gave.
     *
     * @param maps the trained maps per KV head (null where not chosen)
     * @param curve held-out and training MSE over the steps, the layer's and each head's
     * @param initialMse the held-out MSE of each KV head with the initial maps (NaN where not
     *     chosen)
     * @param finalMse with the kept maps
     */
    record Result(
            HedgehogMaps[] maps,
            List<LinearizeLayerRow> curve,
            double[] initialMse,
            double[] finalMse,
            int steps) {}

    /**
     * One sample's arrays for one KV head: q [1, 1, G, T, hd], k, v [1, 1, T, hd], the dense target
     * and the exact sink + window output alone [1, 1, G, T, hd].
     */
    private record Head(NDArray q, NDArray k, NDArray v, NDArray target, NDArray windowOnly) {}

    /** A KV head's trainable values as plain arrays (Adam runs on them). */
    private static final class Trainable {
        final float[][] values; // query maps [G*hd*f], key map [hd*f], log gamma [G]
        final float[][] m, v;

        Trainable(HedgehogMaps init) {
            int g = init.group(), hd = init.headDim(), f = init.columns();
            float[] q = new float[g * hd * f], k = new float[hd * f], lg = new float[g];
            for (int i = 0; i < g; i++)
                for (int d = 0; d < hd; d++)
                    System.arraycopy(init.queryMaps()[i][d], 0, q, (i * hd + d) * f, f);
            for (int d = 0; d < hd; d++) System.arraycopy(init.keyMap()[d], 0, k, d * f, f);
            for (int i = 0; i < g; i++) lg[i] = (float) Math.log(init.gamma()[i]);
            values = new float[][] {q, k, lg};
            m = new float[3][];
            v = new float[3][];
            for (int i = 0; i < 3; i++) {
                m[i] = new float[values[i].length];
                v[i] = new float[values[i].length];
            }
        }

        float[][] copy() {
            float[][] c = new float[3][];
            for (int i = 0; i < 3; i++) c[i] = values[i].clone();
            return c;
        }
    }

    static Result train(
            int layer,
            ModelConfig c,
            List<Path> trainFiles,
            List<Path> heldOutFiles,
            boolean[] chosen,
            LinearizeParams.Training s) {
        int kv = c.numKvHeads(), g = c.groupSize(), hd = c.headDim(), f = s.featureSize();
        try (NDManager m = NDManager.newBaseManager()) {
            List<Head[]> train = load(m, trainFiles, layer, c, s),
                    held = load(m, heldOutFiles, layer, c, s);
            Trainable[] params = new Trainable[kv];
            for (int h = 0; h < kv; h++)
                if (chosen[h])
                    params[h] = new Trainable(HedgehogMaps.initial(s.sink(), s.window(), g, hd, f));
            List<LinearizeLayerRow> curve = new ArrayList<>();
            double[] initial = evaluate(m, held, params, s, c);
            record(curve, layer, 0, LinearizeLayerRow.HELD_OUT, initial);
            record(curve, layer, 0, LinearizeLayerRow.WINDOW_ONLY, windowOnly(held, params));
            float[][][] best = new float[kv][][];
            for (int h = 0; h < kv; h++) if (params[h] != null) best[h] = params[h].copy();
            double bestLoss = mean(initial);
            int since = 0, step = 0;
            Random order = new Random(s.seed() * 7919 + layer);
            while (step < s.steps() && since < s.patience()) {
                Head[] sample = train.get(order.nextInt(train.size()));
                double[] loss = step(m, sample, params, s, c, step + 1);
                step++;
                record(curve, layer, step, LinearizeLayerRow.TRAIN, loss);
                if (step % s.evalEvery() == 0 || step == s.steps()) {
                    double[] heldMse = evaluate(m, held, params, s, c);
                    record(curve, layer, step, LinearizeLayerRow.HELD_OUT, heldMse);
                    if (mean(heldMse) < bestLoss) {
                        bestLoss = mean(heldMse);
                        for (int h = 0; h < kv; h++)
                            if (params[h] != null) best[h] = params[h].copy();
                        since = 0;
                    } else since++;
                }
            }
            HedgehogMaps[] maps = new HedgehogMaps[kv];
            for (int h = 0; h < kv; h++)
                if (params[h] != null) maps[h] = toMaps(best[h], s, g, hd, f);
            double[] finalMse = evaluateMaps(m, held, maps, s, c);
            for (int h = 0; h < kv; h++)
                if (maps[h] != null)
                    curve.add(
                            new LinearizeLayerRow(
                                    layer, h, step, LinearizeLayerRow.FINAL, finalMse[h]));
            return new Result(maps, curve, initial, finalMse, step);
        }
    }

    private static void record(
            List<LinearizeLayerRow> curve, int layer, int step, String split, double[] mse) {
        curve.add(new LinearizeLayerRow(layer, -1, step, split, mean(mse)));
        for (int h = 0; h < mse.length; h++)
            if (!Double.isNaN(mse[h]))
                curve.add(new LinearizeLayerRow(layer, h, step, split, mse[h]));
    }

    /** The mean over the chosen heads (NaN entries are heads not chosen). */
    static double mean(double[] perHead) {
        double sum = 0;
        int n = 0;
        for (double x : perHead)
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static HedgehogMaps toMaps(
            float[][] v, LinearizeParams.Training s, int g, int hd, int f) {
        float[][][] q = new float[g][hd][f];
        float[][] k = new float[hd][f];
        for (int i = 0; i < g; i++)
            for (int d = 0; d < hd; d++) System.arraycopy(v[0], (i * hd + d) * f, q[i][d], 0, f);
        for (int d = 0; d < hd; d++) System.arraycopy(v[1], d * f, k[d], 0, f);
        float[] gamma = new float[g];
        for (int i = 0; i < g; i++) gamma[i] = (float) Math.exp(v[2][i]);
        return new HedgehogMaps(s.sink(), s.window(), q, k, gamma);
    }

    /** The cached activations of every sample, split per KV head, with the dense target. */
    private static List<Head[]> load(
            NDManager m, List<Path> files, int layer, ModelConfig c, LinearizeParams.Training s) {
        int kv = c.numKvHeads(), g = c.groupSize(), hd = c.headDim();
        List<Head[]> out = new ArrayList<>();
        for (Path file : files) {
            ActivationCache.Layer a = ActivationCache.read(file, layer);
            int t = a.length();
            NDArray q = m.create(a.q(), new Shape(1, kv, g, t, hd));
            NDArray k = m.create(a.k(), new Shape(1, kv, t, hd)),
                    v = m.create(a.v(), new Shape(1, kv, t, hd));
            NDArray target = softmaxAttention(m, q, k, v, t, hd, HeadPattern.full());
            NDArray window =
                    softmaxAttention(
                            m, q, k, v, t, hd, HeadPattern.sinkWindow(s.sink(), s.window()));
            Head[] heads = new Head[kv];
            for (int h = 0; h < kv; h++) {
                NDIndex one = new NDIndex(":, {}:{}", h, h + 1);
                heads[h] =
                        new Head(
                                q.get(one),
                                k.get(one),
                                v.get(one),
                                target.get(one),
                                window.get(one));
            }
            out.add(heads);
        }
        return out;
    }

    /**
     * Softmax attention [1, KV, G, T, hd] over the keys {@code pattern} shows each query (full: the
     * dense output the hybrid must reproduce; sink + window: the exact part alone). Its
     * intermediates are freed here; the result stays with {@code m}.
     */
    private static NDArray softmaxAttention(
            NDManager m, NDArray q, NDArray k, NDArray v, int t, int hd, HeadPattern pattern) {
        try (NDScope scope = new NDScope()) {
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    if (!pattern.visible(i, j)) mask[i * t + j] = Float.NEGATIVE_INFINITY;
            NDArray scores =
                    q.matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3))
                            .mul(m.full(new Shape(), (float) (1 / Math.sqrt(hd)), DataType.FLOAT32))
                            .add(m.create(mask, new Shape(t, t)));
            NDArray out = scores.softmax(-1).matMul(v.expandDims(2));
            NDScope.unregister(out);
            return out;
        }
    }

    private static HybridLinearKernel.Weights weights(
            NDManager m, float[][] v, int g, int hd, int f, boolean grad) {
        NDArray q = m.create(v[0], new Shape(g, hd, f)), k = m.create(v[1], new Shape(hd, f));
        NDArray lg = m.create(v[2], new Shape(g));
        if (grad) {
            q.setRequiresGradient(true);
            k.setRequiresGradient(true);
            lg.setRequiresGradient(true);
        }
        return new HybridLinearKernel.Weights(q, k, lg);
    }

    private static NDArray mse(NDArray y, NDArray target) {
        return y.sub(target).square().mean();
    }

    /** One Adam step on one sample; returns each chosen head's training MSE (NaN elsewhere). */
    private static double[] step(
            NDManager m,
            Head[] sample,
            Trainable[] params,
            LinearizeParams.Training s,
            ModelConfig c,
            int t) {
        int g = c.groupSize(), hd = c.headDim(), f = s.featureSize();
        double[] out = new double[params.length];
        java.util.Arrays.fill(out, Double.NaN);
        synchronized (GRADIENT_LOCK) {
            try (NDScope scope = new NDScope();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                HybridLinearKernel.Weights[] w = new HybridLinearKernel.Weights[params.length];
                NDArray total = null;
                NDArray[] losses = new NDArray[params.length];
                for (int h = 0; h < params.length; h++) {
                    if (params[h] == null) continue;
                    w[h] = weights(m, params[h].values, g, hd, f, true);
                    losses[h] = mse(hybrid(sample[h], w[h], s), sample[h].target());
                    total = total == null ? losses[h] : total.add(losses[h]);
                }
                gc.backward(total);
                for (int h = 0; h < params.length; h++) {
                    if (params[h] == null) continue;
                    out[h] = losses[h].getFloat();
                    NDArray[] p = {w[h].queryMaps(), w[h].keyMap(), w[h].gamma()};
                    for (int i = 0; i < 3; i++)
                        adam(params[h], i, p[i].getGradient().toFloatArray(), s.learningRate(), t);
                }
            }
        }
        return out;
    }

    private static void adam(Trainable p, int i, float[] grad, double lr, int t) {
        float[] x = p.values[i], m = p.m[i], v = p.v[i];
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        for (int j = 0; j < x.length; j++) {
            m[j] = (float) (BETA1 * m[j] + (1 - BETA1) * grad[j]);
            v[j] = (float) (BETA2 * v[j] + (1 - BETA2) * grad[j] * grad[j]);
            x[j] -= (float) (lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + EPSILON));
        }
    }

    /** The hybrid output of one head of a sample, gamma = exp(log gamma). */
    private static NDArray hybrid(
            Head head, HybridLinearKernel.Weights w, LinearizeParams.Training s) {
        HybridLinearKernel.Weights positive =
                new HybridLinearKernel.Weights(w.queryMaps(), w.keyMap(), w.gamma().exp());
        return HybridLinearKernel.attendSequence(
                head.q(), head.k(), head.v(), s.sink(), s.window(), positive);
    }

    private static double[] evaluate(
            NDManager m,
            List<Head[]> held,
            Trainable[] params,
            LinearizeParams.Training s,
            ModelConfig c) {
        HedgehogMaps[] maps = new HedgehogMaps[params.length];
        for (int h = 0; h < params.length; h++)
            if (params[h] != null)
                maps[h] = toMaps(params[h].values, s, c.groupSize(), c.headDim(), s.featureSize());
        return evaluateMaps(m, held, maps, s, c);
    }

    /**
     * Each chosen head's held-out MSE of the exact sink + window alone: what the linear part must
     * beat.
     */
    private static double[] windowOnly(List<Head[]> held, Trainable[] params) {
        double[] out = new double[params.length];
        for (int h = 0; h < params.length; h++) {
            if (params[h] == null) {
                out[h] = Double.NaN;
                continue;
            }
            double sum = 0;
            for (Head[] sample : held) {
                try (NDScope scope = new NDScope()) {
                    sum += mse(sample[h].windowOnly(), sample[h].target()).getFloat();
                }
            }
            out[h] = sum / held.size();
        }
        return out;
    }

    /** Each head's MSE over the held-out samples (NaN where maps[h] is null). */
    static double[] evaluateMaps(
            NDManager m,
            List<Head[]> held,
            HedgehogMaps[] maps,
            LinearizeParams.Training s,
            ModelConfig c) {
        int g = c.groupSize(), hd = c.headDim(), f = s.featureSize();
        double[] out = new double[maps.length];
        for (int h = 0; h < maps.length; h++) {
            if (maps[h] == null) {
                out[h] = Double.NaN;
                continue;
            }
            float[][] v = new Trainable(maps[h]).values;
            double sum = 0;
            for (Head[] sample : held) {
                try (NDScope scope = new NDScope()) {
                    sum +=
                            mse(
                                            hybrid(sample[h], weights(m, v, g, hd, f, false), s),
                                            sample[h].target())
                                    .getFloat();
                }
            }
            out[h] = sum / held.size();
        }
        return out;
    }
}
