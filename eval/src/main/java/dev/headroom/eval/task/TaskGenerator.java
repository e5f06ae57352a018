package dev.headroom.eval.task;

import java.io.Serializable;

/** Generates the cases of one task. Same arguments, same case. */
public interface TaskGenerator extends Serializable {

    /** Task name, as it appears in {@link TaskCase#task()} and in reports. */
    String name();

    /**
     * @param targetLength prompt length in tokens; the prompt gets as close as it can without exceeding it
     * @param depth        where the needle goes, 0.0 = start of the haystack, 1.0 = end
     *                     (recorded but unused by tasks without a needle position: copy, token MQAR)
     * @param sampleIndex  sample number within the cell
     * @param seed         run seed
     */
    TaskCase generate(int targetLength, double depth, int sampleIndex, long seed);

    static void checkCoordinates(int targetLength, double depth, int sampleIndex) {
        if (targetLength <= 0) {
            throw new IllegalArgumentException("targetLength must be positive: " + targetLength);
        }
        if (!(depth >= 0.0 && depth <= 1.0)) {
            throw new IllegalArgumentException("depth must be in [0, 1]: " + depth);
        }
        if (sampleIndex < 0) {
            throw new IllegalArgumentException("sampleIndex must be >= 0: " + sampleIndex);
        }
    }
}
