package dev.headroom.stages.evaluate;

import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.eval.task.CellCoordinate;
import dev.headroom.pipeline.api.EvalMethod;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation grid: every method × task × length × depth × sample, with one run seed. Of the
 * coordinates of a (task, length) cell that give the same case, {@link #cases(CellCoordinates)}
 * keeps one, so that the cell's interval counts each distinct case once.
 */
public record EvalGrid(
        List<EvalMethod> methods,
        List<TaskSpec> tasks,
        List<Integer> lengths,
        List<Double> depths,
        int samples,
        long seed)
        implements Serializable {

    public EvalGrid {
        methods = List.copyOf(methods);
        tasks = List.copyOf(tasks);
        lengths = List.copyOf(lengths);
        depths = List.copyOf(depths);
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1: " + samples);
        }
    }

    /** Which (depth, sample) coordinates of a (task, length) cell give distinct cases. */
    @FunctionalInterface
    public interface CellCoordinates {
        /**
         * The coordinates to run, in grid order (depths as given, samples 0 to {@code samples - 1}
         * within each depth).
         */
        List<CellCoordinate> of(
                TaskSpec task, int length, List<Double> depths, int samples, long seed);

        /** Every coordinate its own case. */
        CellCoordinates ALL =
                (task, length, depths, samples, seed) -> {
                    List<CellCoordinate> all = new ArrayList<>();
                    for (double depth : depths) {
                        for (int s = 0; s < samples; s++) {
                            CellCoordinate c = new CellCoordinate(depth, s);
                            if (!all.contains(c)) all.add(c);
                        }
                    }
                    return all;
                };
    }

    /** Every element of the grid in a fixed order (method, task, length, depth, sample). */
    public List<EvalCase> cases() {
        return cases(CellCoordinates.ALL);
    }

    /**
     * The elements to run in the same order, each (task, length) cell reduced to the coordinates
     * {@code distinct} keeps; every method runs the same ones.
     */
    public List<EvalCase> cases(CellCoordinates distinct) {
        List<List<List<CellCoordinate>>> kept = new ArrayList<>();
        for (TaskSpec t : tasks) {
            List<List<CellCoordinate>> perLength = new ArrayList<>();
            for (int length : lengths) perLength.add(distinct.of(t, length, depths, samples, seed));
            kept.add(perLength);
        }
        List<EvalCase> all = new ArrayList<>();
        for (EvalMethod m : methods) {
            for (int t = 0; t < tasks.size(); t++) {
                for (int l = 0; l < lengths.size(); l++) {
                    for (CellCoordinate c : kept.get(t).get(l)) {
                        all.add(
                                new EvalCase(
                                        m,
                                        tasks.get(t),
                                        lengths.get(l),
                                        c.depth(),
                                        c.sampleIndex(),
                                        seed));
                    }
                }
            }
        }
        return all;
    }

    /** Elements of the whole grid, identical cases counted each time. */
    public int size() {
        return methods.size() * tasks.size() * lengths.size() * depths.size() * samples;
    }
}
