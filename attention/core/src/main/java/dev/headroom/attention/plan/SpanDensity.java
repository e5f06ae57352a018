package dev.headroom.attention.plan;

/**
 * Closed forms for how many causal pairs a sink + window pattern computes, and what its KV cache
 * holds.
 */
public final class SpanDensity {
    private SpanDensity() {}

    /** Pairs (i, j), 0 <= j <= i < n, with j < sink or i - j < window; window 0 = all. */
    public static long pairs(int n, int sink, int window) {
        long causal = (long) n * (n + 1) / 2;
        if (window <= 0 || (long) sink + window >= n) return causal;
        // queries i < sink + window see everything before them; later ones see sink + window keys
        long head = (long) (sink + window) * (sink + window + 1) / 2;
        return head + (long) (n - sink - window) * (sink + window);
    }

    public static double density(int n, int sink, int window) {
        return (double) pairs(n, sink, window) / ((double) n * (n + 1) / 2);
    }

    /** Tokens of K and V a compacted cache holds for one head after n tokens. */
    public static long cachedTokens(int n, int sink, int window) {
        return window <= 0 ? n : Math.min(n, (long) sink + window);
    }
}
