package dev.headroom.pipeline.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects validation problems, each at a {@link ConfigPointer}. A view scoped to a sub-tree
 * ({@link #at}) lets a params record check its own fields by their local names.
 */
public final class ConfigProblems {

    /** One problem: where and what. */
    public record Problem(ConfigPointer where, String message) {
    }

    private final List<Problem> problems;
    private final ConfigPointer scope;

    public ConfigProblems() {
        this(new ArrayList<>(), ConfigPointer.ROOT);
    }

    private ConfigProblems(List<Problem> problems, ConfigPointer scope) {
        this.problems = problems;
        this.scope = scope;
    }

    /** A view whose keys are relative to {@code key} under this scope. */
    public ConfigProblems at(String key) {
        return new ConfigProblems(problems, scope.key(key));
    }

    public ConfigProblems at(String key, int index) {
        return new ConfigProblems(problems, scope.key(key).index(index));
    }

    /** Records a problem with the value of {@code key} (null: the scope itself). */
    public void error(String key, String message) {
        problems.add(new Problem(key == null ? scope : scope.key(key), message));
    }

    public void error(String key, int index, String message) {
        problems.add(new Problem(scope.key(key).index(index), message));
    }

    /** {@code ok} or a problem at {@code key}. */
    public boolean check(boolean ok, String key, String message) {
        if (!ok) {
            error(key, message);
        }
        return ok;
    }

    /** A required value is present. */
    public boolean required(Object value, String key) {
        return check(value != null, key, "missing; it is required");
    }

    /** Absent values pass (they default). */
    public void range(Number value, String key, double min, double max) {
        if (value != null && !(value.doubleValue() >= min && value.doubleValue() <= max)) {
            error(key, value + " is out of range [" + format(min) + ", " + format(max) + "]");
        }
    }

    /** A list that must not be empty, with each element in range. */
    public void nonEmptyInRange(List<? extends Number> values, String key, double min, double max) {
        if (values == null || values.isEmpty()) {
            error(key, "is empty; give at least one value");
            return;
        }
        for (int i = 0; i < values.size(); i++) {
            Number v = values.get(i);
            if (v == null) {
                error(key, i, "missing value");
            } else if (!(v.doubleValue() >= min && v.doubleValue() <= max)) {
                error(key, i, v + " is out of range [" + format(min) + ", " + format(max) + "]");
            }
        }
    }

    public List<Problem> all() {
        return List.copyOf(problems);
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
