package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.List;

/** A published scoring rule for a generated answer: a value in [0, 1]. */
public interface Scorer extends Serializable {

    /** Short rule name for reports, e.g. {@code string_match_all}. */
    String name();

    double score(String prediction, List<String> references);
}
