package dev.headroom.eval.task;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Passkey rule of Landmark Attention / LongLoRA: the first run of digits in the answer, read as an
 * integer, equals the key. "The pass key is 71432." scores 1; "7143 2" reads 7143 and scores 0.
 */
public final class FirstIntegerMatch implements Scorer {

    public static final String NAME = "first_integer_match";
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    @Override
    public String name() {
        return NAME;
    }

    /** Only the first reference is used: the key. */
    @Override
    public double score(String prediction, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("first_integer_match needs the key as reference");
        }
        if (prediction == null) {
            return 0.0;
        }
        Matcher m = DIGITS.matcher(prediction);
        if (!m.find()) {
            return 0.0;
        }
        return sameInteger(m.group(), references.get(0).trim()) ? 1.0 : 0.0;
    }

    /** Compares digit strings as integers of any size (leading zeros ignored). */
    private static boolean sameInteger(String digits, String reference) {
        if (!DIGITS.matcher(reference).matches()) {
            return false;
        }
        return stripLeadingZeros(digits).equals(stripLeadingZeros(reference));
    }

    private static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }
}
