package dev.headroom.eval.task;

import java.util.List;
import java.util.Locale;

/**
 * RULER's {@code string_match_all}: the fraction of reference strings that occur in the prediction,
 * compared case-insensitively (RULER then averages this over cases).
 */
public final class StringMatchAll implements Scorer {

    public static final String NAME = "string_match_all";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String prediction, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("string_match_all needs at least one reference");
        }
        if (prediction == null) {
            return 0.0;
        }
        String predictionLower = prediction.toLowerCase(Locale.ROOT);
        int found = 0;
        for (String reference : references) {
            if (predictionLower.contains(reference.toLowerCase(Locale.ROOT))) {
                found++;
            }
        }
        return (double) found / references.size();
    }
}
