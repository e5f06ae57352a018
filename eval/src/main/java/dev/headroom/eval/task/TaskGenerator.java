package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Generates the cases of one task. Same arguments, same case. */
public interface TaskGenerator extends Serializable {

    /** Task name, as it appears in {@link TaskCase#task()} and in reports. */
    String name();

    /**
     * @param targetLength prompt length in tokens; the prompt gets as close as it can without
     *     exceeding it
     * @param depth where the needle goes, 0.0 = start of the haystack, 1.0 = end; tasks without a
     *     needle (copy, token MQAR) only seed their random case with it, and {@code kl} picks the
     *     document its window starts at
     * @param sampleIndex sample number within the cell
     * @param seed run seed
     */
    TaskCase generate(int targetLength, double depth, int sampleIndex, long seed);

    /**
     * The coordinates of a (length, seed) cell whose cases differ: of each group of coordinates
     * that give the same case ({@link TaskCase#sameCaseAs}), only the first in grid order (the
     * depths in the order given, samples 0 to {@code samples - 1} within each depth). A grid that
     * runs only these counts every case once.
     *
     * <p>By default every coordinate is its own case: generators that draw their case from a stream
     * seeded by all coordinates. Generators whose case ignores a coordinate override this.
     */
    default List<CellCoordinate> distinctCoordinates(
            int targetLength, List<Double> depths, int samples, long seed) {
        List<CellCoordinate> all = new ArrayList<>();
        for (double depth : depths) {
            for (int s = 0; s < samples; s++) {
                CellCoordinate c = new CellCoordinate(depth, s);
                if (!all.contains(c)) {
                    all.add(c);
                }
            }
        }
        return all;
    }

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
