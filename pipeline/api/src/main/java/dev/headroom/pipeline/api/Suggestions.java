package dev.headroom.pipeline.api;

import java.util.Collection;

/** The nearest valid name to a misspelt one (Levenshtein distance), for "did you mean" hints. */
public final class Suggestions {

    private Suggestions() {}

    /**
     * The closest candidate, or null when none is within reach (distance at most max(2, length /
     * 3)).
     */
    public static String nearest(String wrong, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wrong.toLowerCase(), c.toLowerCase());
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 3) ? best : null;
    }

    /** " (did you mean 'x'?)" or, with no close candidate, " (valid: a, b, c)". */
    public static String hint(String wrong, Collection<String> candidates) {
        String n = nearest(wrong, candidates);
        return n != null
                ? "; did you mean '" + n + "'?"
                : "; valid: " + String.join(", ", candidates.stream().sorted().toList());
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
