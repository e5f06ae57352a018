package dev.headroom.stages.evaluate;

/**
 * The Wilson score interval of a proportion: p = mean score over n cases, z = 1.96 for 95%. Scores
 * in (0, 1) (partial string matches, token accuracy) are treated as fractional successes.
 */
public final class WilsonInterval {

    public static final double Z95 = 1.959963984540054;

    private WilsonInterval() {}

    /** {low, high} for proportion {@code p} over {@code n} trials; {0, 1} when n is 0. */
    public static double[] of(double p, int n, double z) {
        if (n <= 0) {
            return new double[] {0.0, 1.0};
        }
        double z2 = z * z;
        double denominator = 1.0 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denominator;
        double half = z / denominator * Math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * (double) n));
        return new double[] {Math.max(0.0, center - half), Math.min(1.0, center + half)};
    }
}
