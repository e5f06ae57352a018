package dev.headroom.attention.gpu;

import dev.headroom.attention.pattern.HeadPattern;

/**
 * The per-KV-head int arrays the kernels take, derived from {@link HeadPattern}s (one per KV head).
 * A full head is window {@link HeadPattern#FULL} (0) for the compressed cache, and a window longer
 * than any sequence for prefill.
 */
final class KernelPatterns {
    private KernelPatterns() {}

    /** A copy of {@code patterns}, checked: at least one, none null. */
    static HeadPattern[] check(HeadPattern[] patterns) {
        if (patterns == null || patterns.length == 0)
            throw new IllegalArgumentException("one pattern per KV head");
        for (int h = 0; h < patterns.length; h++) {
            if (patterns[h] == null)
                throw new IllegalArgumentException("no pattern for KV head " + h);
        }
        return patterns.clone();
    }

    static int[] sinks(HeadPattern[] patterns) {
        int[] s = new int[patterns.length];
        for (int h = 0; h < s.length; h++) s[h] = patterns[h].sink();
        return s;
    }

    /** Windows as compressed_decode.cu takes them: 0 for a full (retrieval) head. */
    static int[] cacheWindows(HeadPattern[] patterns) {
        int[] w = new int[patterns.length];
        for (int h = 0; h < w.length; h++)
            w[h] = patterns[h].isFull() ? HeadPattern.FULL : patterns[h].window();
        return w;
    }

    /**
     * The window as the prefill kernels take it: a full head becomes a window longer than any
     * sequence.
     */
    static int prefillWindow(HeadPattern p) {
        return p.isFull() ? Integer.MAX_VALUE : p.window();
    }

    static int[] prefillWindows(HeadPattern[] patterns) {
        int[] w = new int[patterns.length];
        for (int h = 0; h < w.length; h++) w[h] = prefillWindow(patterns[h]);
        return w;
    }
}
