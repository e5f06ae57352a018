package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * The filler a needle hides in: a list of units (sentences or paragraphs) repeated cyclically as
 * far as the target length needs. Units are joined by {@code unitSeparator}; when the list wraps
 * around, by {@code cycleSeparator}.
 */
public final class Haystack implements Serializable {

    private final List<String> units;
    private final String unitSeparator;
    private final String cycleSeparator;

    public Haystack(List<String> units, String unitSeparator, String cycleSeparator) {
        if (units.isEmpty()) {
            throw new IllegalArgumentException("a haystack needs at least one unit");
        }
        for (String unit : units) {
            if (unit.isBlank()) {
                throw new IllegalArgumentException("haystack units must not be blank");
            }
        }
        this.units = List.copyOf(units);
        this.unitSeparator = unitSeparator;
        this.cycleSeparator = cycleSeparator;
    }

    /** RULER's "repeat" (noise) haystack: the five grass/sky sentences, one repetition per line. */
    public static Haystack repeat() {
        return new Haystack(Templates.REPEAT_SENTENCES, " ", "\n");
    }

    /** The passkey filler of Landmark Attention / LongLoRA: the same sentences, all on one line. */
    public static Haystack repeatOnOneLine() {
        return new Haystack(Templates.REPEAT_SENTENCES, " ", " ");
    }

    /**
     * A user-given text: sentences or paragraphs, joined by {@code separator}, repeated if too
     * short.
     */
    public static Haystack text(List<String> units, String separator) {
        return new Haystack(units, separator, separator);
    }

    /** A user-given text split into sentences at ". ", "! " and "? ", joined by spaces. */
    public static Haystack textOfSentences(String text) {
        List<String> sentences =
                Arrays.stream(text.trim().split("(?<=[.!?])\\s+"))
                        .filter(s -> !s.isBlank())
                        .toList();
        return text(sentences, " ");
    }

    /** The i-th unit of the endless cycle. */
    public String unit(int i) {
        return units.get(i % units.size());
    }

    /** The separator between unit i and unit i + 1. */
    public String separatorAfter(int i) {
        return (i + 1) % units.size() == 0 ? cycleSeparator : unitSeparator;
    }

    public List<String> units() {
        return units;
    }
}
