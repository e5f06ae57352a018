package dev.headroom.attention.policy;

/**
 * Which cached keys a query may see: causal, optionally limited to the first {@code sink} tokens plus the
 * {@code window} most recent ones (the current token included). {@code window <= 0} means unlimited.
 */
public final class AttentionMask {
    private AttentionMask() {
    }

    public static boolean allowed(int queryPos, int keyPos, int sink, int window) {
        if (keyPos > queryPos) return false;
        if (window <= 0) return true;
        return keyPos < sink || queryPos - keyPos < window;
    }

    /** Additive mask [T, S] (0 or -inf) for queries pos0..pos0+T-1 over keys 0..S-1, row-major. */
    public static float[] additive(int pos0, int t, int s, int sink, int window) {
        float[] m = new float[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) {
                m[i * s + j] = allowed(pos0 + i, j, sink, window) ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        return m;
    }

    /** Number of keys a query at {@code queryPos} sees. */
    public static long visibleKeys(int queryPos, int sink, int window) {
        long causal = queryPos + 1L;
        if (window <= 0 || causal <= (long) sink + window) return causal;
        return sink + (long) window;
    }

    /** Combines a policy window with the model's own (Mistral's sliding window); 0 = unlimited. */
    public static int combineWindows(int a, int b) {
        if (a <= 0) return b;
        if (b <= 0) return a;
        return Math.min(a, b);
    }
}
