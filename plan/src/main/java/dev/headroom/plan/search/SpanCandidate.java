package dev.headroom.plan.search;

import java.io.Serializable;

/** A candidate elastic span S(N) = alpha + beta N; beta >= 1 is full attention. */
public record SpanCandidate(double alpha, double beta) implements Serializable {

    public boolean isFull() {
        return beta >= 1.0;
    }

    /** Window in tokens at length n (0 = unlimited). */
    public int window(int n) {
        if (isFull()) return 0;
        return (int) Math.max(1, Math.min(n, Math.round(alpha + beta * n)));
    }

    @Override
    public String toString() {
        return isFull() ? "full" : "(" + (long) alpha + " + " + beta + "N)";
    }
}
