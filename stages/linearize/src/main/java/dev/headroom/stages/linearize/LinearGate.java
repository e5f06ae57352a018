package dev.headroom.stages.linearize;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code held_out_kl} gate: after a layer is trained, each chosen head keeps its linear part
 * only where the linear part lowers the model's KL to dense on the held-out calibration samples.
 * Greedy over the layer's heads in order: starting with every chosen head hybrid, a head's linear
 * part is switched off (the head keeping its exact sink + window alone) when that gives a lower KL
 * than the current choice. It sees calibration samples only, never the evaluate stage's cases.
 */
final class LinearGate {
    private LinearGate() {}

    /** The model's mean KL to dense with this layer's chosen heads' linear parts on or off. */
    @FunctionalInterface
    interface Measure {
        double kl(boolean[] linearPart);
    }

    /**
     * One head's decision.
     *
     * @param klLinear held-out KL to dense with the head's linear part on (the other heads as
     *     decided before it)
     * @param klWindow with it off
     */
    record Decision(int layer, int kvHead, double klLinear, double klWindow, boolean linearPart) {}

    /** The decisions for the chosen heads of {@code layer}, in head order. */
    static List<Decision> decide(int layer, boolean[] chosen, Measure measure) {
        boolean[] on = chosen.clone();
        double current = measure.kl(on);
        List<Decision> out = new ArrayList<>();
        for (int h = 0; h < chosen.length; h++) {
            if (!chosen[h]) continue;
            boolean[] trial = on.clone();
            trial[h] = false;
            double off = measure.kl(trial);
            boolean keep = !(off < current);
            out.add(new Decision(layer, h, current, off, keep));
            if (!keep) {
                on = trial;
                current = off;
            }
        }
        return out;
    }

    /** Mean over positions of KL(dense || method) of the next-token distributions. */
    static double meanKl(float[][] dense, float[][] method) {
        double kl = 0;
        for (int i = 0; i < dense.length; i++) {
            double[] p = logSoftmax(dense[i]), q = logSoftmax(method[i]);
            double row = 0;
            for (int v = 0; v < p.length; v++) row += Math.exp(p[v]) * (p[v] - q[v]);
            kl += row;
        }
        return Math.max(0, kl / dense.length);
    }

    private static double[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        double log = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] - log;
        return out;
    }
}
