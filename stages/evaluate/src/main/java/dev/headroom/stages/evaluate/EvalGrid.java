package dev.headroom.stages.evaluate;

import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.api.EvalMethod;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** The evaluation grid: every method × task × length × depth × sample, with one run seed. */
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

    /** The grid's elements in a fixed order (method, task, length, depth, sample). */
    public List<EvalCase> cases() {
        List<EvalCase> all = new ArrayList<>(size());
        for (EvalMethod m : methods) {
            for (TaskSpec t : tasks) {
                for (int length : lengths) {
                    for (double depth : depths) {
                        for (int s = 0; s < samples; s++) {
                            all.add(new EvalCase(m, t, length, depth, s, seed));
                        }
                    }
                }
            }
        }
        return all;
    }

    public int size() {
        return methods.size() * tasks.size() * lengths.size() * depths.size() * samples;
    }
}
