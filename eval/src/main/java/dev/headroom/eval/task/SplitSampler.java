package dev.headroom.eval.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Seeded draws of numbers, key words, variable names and ids from one {@link Split}. */
public final class SplitSampler {

    private static final int MAX_TRIES = 100_000;

    private SplitSampler() {}

    /** A number with exactly {@code digits} digits (no leading zero) in the split, as text. */
    public static String number(Random rng, int digits, Split split) {
        if (digits < 1 || digits > 18) {
            throw new IllegalArgumentException("digits must be in 1..18: " + digits);
        }
        long low = digits == 1 ? 1 : pow10(digits - 1);
        long high = pow10(digits);
        for (int i = 0; i < MAX_TRIES; i++) {
            String candidate = Long.toString(rng.nextLong(low, high));
            if (split.containsHashed(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException(
                "no " + digits + "-digit number found in split " + split);
    }

    /** {@code count} different numbers of {@code digits} digits in the split. */
    public static List<String> distinctNumbers(Random rng, int count, int digits, Split split) {
        Set<String> numbers = new LinkedHashSet<>();
        for (int i = 0; numbers.size() < count; i++) {
            if (i > MAX_TRIES) {
                throw new IllegalArgumentException(
                        "cannot draw " + count + " distinct " + digits + "-digit numbers");
            }
            numbers.add(number(rng, digits, split));
        }
        return List.copyOf(numbers);
    }

    /** {@code count} different key words of the split, in random order. */
    public static List<String> distinctKeyWords(Random rng, int count, Split split) {
        return pick(rng, TaskVocabulary.keyWords(split), count, "key words");
    }

    /** {@code count} different names from the split's pool of variable names. */
    public static List<String> distinctPooledNames(Random rng, int count, Split split) {
        return pick(rng, TaskVocabulary.variableNames(split), count, "variable names");
    }

    /**
     * {@code count} different names of five random capitals (RULER's style), hashed into the split.
     */
    public static List<String> distinctRandomNames(Random rng, int count, Split split) {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; names.size() < count; i++) {
            if (i > MAX_TRIES) {
                throw new IllegalArgumentException("cannot draw " + count + " variable names");
            }
            StringBuilder name = new StringBuilder(5);
            for (int c = 0; c < 5; c++) {
                name.append((char) ('A' + rng.nextInt(26)));
            }
            String candidate = name.toString();
            if (split.containsHashed(candidate) && !candidate.equals("VAR")) {
                names.add(candidate);
            }
        }
        return List.copyOf(names);
    }

    /** {@code count} different ids of the set that belong to the split, in random order. */
    public static int[] distinctIds(Random rng, IdSet ids, int count, Split split) {
        IdSet pool = ids.restrictedTo(split);
        if (count > pool.size()) {
            throw new IllegalArgumentException(
                    "need "
                            + count
                            + " distinct ids but "
                            + ids
                            + " has "
                            + pool.size()
                            + " in split "
                            + split);
        }
        // Partial Fisher-Yates over the pool.
        int[] all = pool.toArray();
        for (int i = 0; i < count; i++) {
            int j = i + rng.nextInt(all.length - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, count);
    }

    private static List<String> pick(Random rng, List<String> pool, int count, String what) {
        if (count > pool.size()) {
            throw new IllegalArgumentException(
                    "need " + count + " " + what + " but the split has " + pool.size());
        }
        List<String> shuffled = new ArrayList<>(pool);
        Collections.shuffle(shuffled, rng);
        return List.copyOf(shuffled.subList(0, count));
    }

    private static long pow10(int exponent) {
        long p = 1;
        for (int i = 0; i < exponent; i++) {
            p *= 10;
        }
        return p;
    }
}
