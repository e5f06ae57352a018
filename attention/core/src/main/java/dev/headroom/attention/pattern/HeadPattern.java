package dev.headroom.attention.pattern;

import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import java.io.Serializable;

/**
 * Which earlier keys one KV head sees: every one ({@link #full()}), or its first {@code sink}
 * tokens plus the {@code window} most recent ones, the current token included (StreamingLLM; MoA's
 * spans resolved for a prompt length). Key k is visible to query i when {@code k <= i} and ({@code
 * k < sink} or {@code i - k < window}). The one pattern type behind the CPU runtimes' masks and
 * caches, the GPU kernels' plans and plan.json's heads.
 *
 * @param window tokens of the recent window; {@link #FULL} (0) means unlimited, and then {@code
 *     sink} is 0
 */
public record HeadPattern(int sink, int window) implements Serializable {
    public static final int FULL = 0;
    private static final HeadPattern FULL_PATTERN = new HeadPattern(0, FULL);

    public HeadPattern {
        if (sink < 0 || window < 0)
            throw new IllegalArgumentException(
                    "sink and window must be >= 0, got " + sink + ", " + window);
        if (window == FULL && sink != 0)
            throw new IllegalArgumentException("a full head has no sink, got sink " + sink);
    }

    public static HeadPattern full() {
        return FULL_PATTERN;
    }

    /** {@code sink} first tokens plus a recent window of {@code window >= 1} tokens. */
    public static HeadPattern sinkWindow(int sink, int window) {
        if (window < 1)
            throw new IllegalArgumentException(
                    "a sink + window head needs a window >= 1, got " + window);
        return new HeadPattern(sink, window);
    }

    /** A plan head's pattern for a prompt of n tokens (its span S = alpha + beta n resolved). */
    public static HeadPattern of(HeadSpan span, int n) {
        return span.isFull() ? full() : sinkWindow(span.sink(), span.window(n));
    }

    public boolean isFull() {
        return window == FULL;
    }

    /**
     * Combined with the model's own sliding window (Mistral's; 0 = none): the smaller window wins.
     */
    public HeadPattern limitedTo(int modelWindow) {
        if (modelWindow <= 0) return this;
        if (isFull()) return sinkWindow(0, modelWindow);
        return window <= modelWindow ? this : sinkWindow(sink, modelWindow);
    }

    public boolean visible(int query, int key) {
        return key <= query && (isFull() || key < sink || query - key < window);
    }

    /** Keys a query at position {@code query} sees. */
    public long visibleKeys(int query) {
        long causal = query + 1L;
        if (isFull() || causal <= (long) sink + window) return causal;
        return (long) sink + window;
    }

    /** Causal pairs (i, j), j <= i < n, that this head computes over n tokens. */
    public long pairs(int n) {
        return SpanDensity.pairs(n, sink, window);
    }

    /**
     * Tokens a compact cache of this head holds after n tokens: what the next query can still see.
     */
    public int heldTokens(int n) {
        return isFull() ? n : (int) Math.min(n, (long) sink + window);
    }

    @Override
    public String toString() {
        return isFull() ? "full" : "sink" + sink + "+window" + window;
    }
}
