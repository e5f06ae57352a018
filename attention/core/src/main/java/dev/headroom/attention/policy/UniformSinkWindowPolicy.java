package dev.headroom.attention.policy;

import dev.headroom.attention.cache.FullPrecisionKv;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * StreamingLLM's baseline: every head keeps {@code sink} initial tokens plus a recent window, given
 * in tokens or as a fraction of the prompt length.
 */
public final class UniformSinkWindowPolicy implements AttentionPolicy {
    private final int sink;
    private final int windowTokens; // used when windowFraction <= 0
    private final double windowFraction;
    private final int cacheBytesPerElement;

    public UniformSinkWindowPolicy(
            int sink, int windowTokens, double windowFraction, int cacheBytesPerElement) {
        if (sink < 0 || (windowTokens <= 0 && windowFraction <= 0))
            throw new IllegalArgumentException("sink >= 0 and a positive window");
        this.sink = sink;
        this.windowTokens = windowTokens;
        this.windowFraction = windowFraction;
        this.cacheBytesPerElement = cacheBytesPerElement;
    }

    public static UniformSinkWindowPolicy tokens(int sink, int window) {
        return new UniformSinkWindowPolicy(sink, window, 0, 2);
    }

    public static UniformSinkWindowPolicy fraction(int sink, double fraction) {
        return new UniformSinkWindowPolicy(sink, 0, fraction, 2);
    }

    public int window(int promptLength) {
        return windowFraction > 0
                ? Math.max(1, (int) Math.round(windowFraction * promptLength))
                : windowTokens;
    }

    @Override
    public String name() {
        return windowFraction > 0
                ? "uniform(sink=" + sink + ",window=" + windowFraction + "N)"
                : "uniform(sink=" + sink + ",window=" + windowTokens + ")";
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        return LayerAttention.uniform(
                context.config().numKvHeads(),
                HeadPattern.sinkWindow(sink, window(context.promptLength())),
                new FullPrecisionKv(cacheBytesPerElement));
    }
}
