package dev.headroom.attention.plan;

import java.io.Serializable;

/**
 * One KV head's attention pattern in a plan: {@code sink} initial tokens plus a recent window whose
 * span scales with the input length N as S(N) = alpha + beta N (MoA's elastic rule). beta >= 1
 * means full attention.
 *
 * @param kind "window" (MoA span), "full", "streaming" or "retrieval" (DuoAttention's two kinds)
 */
public record HeadSpan(int layer, int kvHead, String kind, int sink, double alpha, double beta)
        implements Serializable {

    public boolean isFull() {
        return beta >= 1.0;
    }

    /**
     * The recent window at input length n in tokens, the current token included; 0 means unlimited.
     */
    public int window(int n) {
        if (isFull()) return 0;
        long w = Math.round(alpha + beta * n);
        return (int) Math.max(1, Math.min(w, n));
    }

    /**
     * Fraction of the n(n+1)/2 causal query-key pairs this head computes over a prefill of length
     * n.
     */
    public double density(int n) {
        return SpanDensity.density(n, sink, window(n));
    }
}
