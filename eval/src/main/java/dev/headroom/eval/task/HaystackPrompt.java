package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code prefix + body + suffix}, where the body is haystack units with needles inserted at
 * unit boundaries, with as many units as fit in a token budget.
 *
 * <p>Length control: each distinct unit is counted once and its count is used as an estimate; whole
 * prompts are counted only to verify a proposed number of units. The search keeps the largest
 * verified-fitting unit count and the smallest verified-too-long one, proposes from the estimates
 * (scaled by the last measured ratio of real to estimated tokens) and bisects when estimates fail,
 * so a 32k-token prompt costs a handful of full counts. The result never exceeds the budget.
 *
 * <p>Depth: a needle at fraction f goes to the unit boundary whose estimated token offset within
 * the body is closest to f times the body's estimated tokens (so uneven paragraphs do not skew
 * depth). Needles at the same boundary keep their list order.
 */
final class HaystackPrompt {

    /**
     * A needle to insert.
     *
     * @param fraction depth in [0, 1]
     * @param text the needle sentence(s)
     * @param spanValues values inside the text whose whole-word occurrences become needle spans
     */
    record Needle(double fraction, String text, List<String> spanValues) {}

    /** The built prompt with its measured token count and needle spans (character offsets). */
    record Built(String prompt, int tokens, List<NeedleSpan> needleSpans, int haystackUnits) {}

    /**
     * Bisection alone needs ~log2(units) steps; this bound is only hit by a counter that ignores
     * the text.
     */
    private static final int MAX_ITERATIONS = 64;

    /** Keeps a badly calibrated estimate from proposing absurdly many units. */
    private static final double MIN_SCALE = 0.1;

    private final TokenCounter counter;
    private final Haystack haystack;
    private final String needleSeparator;
    private final String prefix;
    private final String suffix;
    private final List<Needle> needles;
    private final UnitCosts costs;

    /**
     * Number of full-prompt counts of the last build; tests check that length control stays cheap.
     */
    int fullCounts;

    HaystackPrompt(
            TokenCounter counter,
            Haystack haystack,
            String needleSeparator,
            String prefix,
            String suffix,
            List<Needle> needles) {
        this.counter = counter;
        this.haystack = haystack;
        this.needleSeparator = needleSeparator;
        this.prefix = prefix;
        this.suffix = suffix;
        this.needles =
                needles.stream().sorted(Comparator.comparingDouble(Needle::fraction)).toList();
        for (Needle needle : needles) {
            if (!(needle.fraction() >= 0.0 && needle.fraction() <= 1.0)) {
                throw new IllegalArgumentException(
                        "needle fraction outside [0, 1]: " + needle.fraction());
            }
        }
        this.costs = new UnitCosts();
    }

    /**
     * Fills with haystack up to {@code targetTokens}, using only {@code fillFraction} of the room
     * that the prompt without haystack leaves.
     */
    Built build(int targetTokens, double fillFraction) {
        fullCounts = 0;
        Built best = assemble(0);
        int fixedTokens = best.tokens();
        if (fixedTokens > targetTokens) {
            throw new IllegalArgumentException(
                    "target length "
                            + targetTokens
                            + " is shorter than the prompt without haystack ("
                            + fixedTokens
                            + " tokens)");
        }
        int budget = fixedTokens + (int) Math.floor((targetTokens - fixedTokens) * fillFraction);

        int lo = 0; // largest unit count known to fit
        int hi = -1; // smallest unit count known not to fit; -1 = none known yet
        double scale = 1.0; // measured tokens per estimated token of haystack
        int minStep = 1; // grows when the estimate keeps saying "nothing more fits" but things do
        for (int iteration = 0; hi < 0 || hi - lo > 1; iteration++) {
            if (iteration == MAX_ITERATIONS) {
                throw new IllegalStateException(
                        "length search did not converge: does the token counter grow with the text?");
            }
            int estimated = costs.unitsFitting(lo, (budget - best.tokens()) / scale);
            int proposal = lo + Math.max(estimated, minStep);
            if (hi >= 0 && proposal >= hi) {
                proposal = lo + (hi - lo) / 2;
            }
            Built candidate = assemble(proposal);
            long estimatedHaystack = costs.prefixSum(proposal);
            if (estimatedHaystack > 0 && candidate.tokens() > fixedTokens) {
                scale =
                        Math.max(
                                MIN_SCALE,
                                (double) (candidate.tokens() - fixedTokens) / estimatedHaystack);
            }
            if (candidate.tokens() <= budget) {
                if (estimated < minStep) {
                    minStep *= 2;
                }
                lo = proposal;
                best = candidate;
            } else {
                hi = proposal;
            }
        }
        return best;
    }

    /** The prompt with {@code unitCount} haystack units, counted. */
    private Built assemble(int unitCount) {
        int[] insertAt = new int[needles.size()];
        long total = costs.prefixSum(unitCount);
        for (int j = 0; j < needles.size(); j++) {
            insertAt[j] = costs.closestBoundary(needles.get(j).fraction() * total, unitCount);
        }
        // Fractions are sorted, so boundaries are non-decreasing; keep it so if rounding disagreed.
        for (int j = 1; j < insertAt.length; j++) {
            insertAt[j] = Math.max(insertAt[j], insertAt[j - 1]);
        }

        StringBuilder sb = new StringBuilder(prefix);
        List<NeedleSpan> spans = new ArrayList<>();
        boolean first = true;
        boolean previousWasNeedle = false;
        int nextNeedle = 0;
        for (int k = 0; k <= unitCount; k++) {
            while (nextNeedle < needles.size() && insertAt[nextNeedle] == k) {
                if (!first) {
                    sb.append(needleSeparator);
                }
                Needle needle = needles.get(nextNeedle++);
                addSpans(spans, sb.length(), needle);
                sb.append(needle.text());
                first = false;
                previousWasNeedle = true;
            }
            if (k < unitCount) {
                if (!first) {
                    sb.append(previousWasNeedle ? needleSeparator : haystack.separatorAfter(k - 1));
                }
                sb.append(haystack.unit(k));
                first = false;
                previousWasNeedle = false;
            }
        }
        sb.append(suffix);
        String prompt = sb.toString();
        fullCounts++;
        spans.sort(Comparator.comparingInt(NeedleSpan::start));
        return new Built(prompt, counter.count(prompt), spans, unitCount);
    }

    /** Adds a span for every whole-word occurrence of the needle's span values. */
    private static void addSpans(List<NeedleSpan> spans, int needleStart, Needle needle) {
        String text = needle.text();
        for (String value : needle.spanValues()) {
            for (int at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
                int end = at + value.length();
                boolean wholeWord =
                        (at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1)))
                                && (end == text.length()
                                        || !Character.isLetterOrDigit(text.charAt(end)));
                if (wholeWord) {
                    spans.add(new NeedleSpan(needleStart + at, needleStart + end));
                }
            }
        }
    }

    /**
     * Estimated tokens per haystack unit (counted once per distinct text) and their running sums.
     */
    private final class UnitCosts {
        private final Map<String, Integer> costByText = new HashMap<>();
        private final int overhead = counter.count(""); // e.g. a BOS token the counter always adds
        private long[] prefix = new long[] {0};
        private int known = 0;

        /** Estimated tokens of units 0..n-1. */
        long prefixSum(int n) {
            ensure(n);
            return prefix[n];
        }

        /** How many units after the first {@code from} fit in {@code room} estimated tokens. */
        int unitsFitting(int from, double room) {
            long base = prefixSum(from);
            int k = 0;
            while (prefixSum(from + k + 1) - base <= room) {
                k++;
            }
            return k;
        }

        /** The boundary k in [0, n] whose offset prefixSum(k) is closest to {@code offset}. */
        int closestBoundary(double offset, int n) {
            int lo = 0;
            int hi = n;
            while (lo < hi) { // first k with prefixSum(k) >= offset
                int mid = (lo + hi) >>> 1;
                if (prefix[mid] < offset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if (lo > 0 && offset - prefix[lo - 1] <= prefix[lo] - offset) {
                return lo - 1;
            }
            return lo;
        }

        private void ensure(int n) {
            if (n <= known) {
                return;
            }
            if (n >= prefix.length) {
                prefix = java.util.Arrays.copyOf(prefix, Math.max(n + 1, prefix.length * 2));
            }
            for (int i = known; i < n; i++) {
                prefix[i + 1] = prefix[i] + cost(haystack.unit(i));
            }
            known = n;
        }

        /** At least 1, so a run of units always grows the estimate. */
        private int cost(String unit) {
            return costByText.computeIfAbsent(unit, u -> Math.max(1, counter.count(u) - overhead));
        }
    }
}
