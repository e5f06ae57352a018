package dev.headroom.pipeline.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Collects validation problems, each at a {@link ConfigPointer}; every problem is reported (the
 * loader prints them all as {@code FILE:LINE:COLUMN: KEY: problem}). A view scoped to a sub-tree
 * ({@link #at}) lets a params record check its own fields by their local names. Every view carries
 * the same {@link Context}: where relative paths resolve ({@link #resolve}), the run directory, and
 * what the earlier stages of the config write, so that a value naming a file can be checked with
 * the config.
 */
public final class ConfigProblems {

    /** One problem: where and what. */
    public record Problem(ConfigPointer where, String message) {}

    /**
     * What validation knows besides the values.
     *
     * @param configDirectory the directory of the config file (absolute): relative paths in a
     *     config resolve against it
     * @param runDirectory the config's {@code output} (absolute), or null when it is missing or
     *     invalid
     * @param earlierOutputs files the stages before the one being validated write, relative to the
     *     run directory (their {@code StageDefinition.outputs}, e.g. {@code artifacts/plan.json});
     *     empty outside a stage entry
     */
    public record Context(Path configDirectory, Path runDirectory, Set<String> earlierOutputs) {
        public Context {
            configDirectory = configDirectory.toAbsolutePath().normalize();
            runDirectory = runDirectory == null ? null : runDirectory.toAbsolutePath().normalize();
            earlierOutputs = Set.copyOf(earlierOutputs);
        }

        /** The process's current directory as the config's, no run directory, no earlier stages. */
        public static Context current() {
            return new Context(Path.of(""), null, Set.of());
        }
    }

    private final List<Problem> problems;
    private final ConfigPointer scope;
    private final Context context;

    /** Problems with {@link Context#current()}. */
    public ConfigProblems() {
        this(Context.current());
    }

    public ConfigProblems(Context context) {
        this(new ArrayList<>(), ConfigPointer.ROOT, context);
    }

    private ConfigProblems(List<Problem> problems, ConfigPointer scope, Context context) {
        this.problems = problems;
        this.scope = scope;
        this.context = context;
    }

    /** A view whose keys are relative to {@code key} under this scope. */
    public ConfigProblems at(String key) {
        return new ConfigProblems(problems, scope.key(key), context);
    }

    public ConfigProblems at(String key, int index) {
        return new ConfigProblems(problems, scope.key(key).index(index), context);
    }

    /**
     * This view (same scope, same problem list) with another context; the loader sets one per stage
     * entry.
     */
    public ConfigProblems with(Context newContext) {
        return new ConfigProblems(problems, scope, newContext);
    }

    public Context context() {
        return context;
    }

    /**
     * A path as written in the config, resolved against the config file's directory (absolute,
     * normalized).
     */
    public Path resolve(String path) {
        return context.configDirectory().resolve(path).normalize();
    }

    /**
     * A plain file name in the run's {@code artifacts/}: not blank, no directory part, not {@code
     * .} or {@code ..}. It is the only form in which a config names a file inside the run
     * directory, so no config value can lead a read or write out of it.
     */
    public static boolean isArtifactName(String name) {
        return name != null
                && !name.isBlank()
                && !name.contains("/")
                && !name.contains("\\")
                && !name.equals(".")
                && !name.equals("..")
                && name.indexOf('\0') < 0;
    }

    /**
     * {@code value} (when given) is a plain file name in the run's {@code artifacts/}, or a problem
     * at {@code key}.
     */
    public boolean artifactName(String value, String key) {
        if (value == null || isArtifactName(value)) return true;
        error(key, "'" + value + "' is not a file name in the run's artifacts/");
        return false;
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

    /** A required value is present (a string must not be empty or blank either). */
    public boolean required(Object value, String key) {
        if (value instanceof String text && text.isBlank()) {
            error(key, "is empty; it is required");
            return false;
        }
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
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }
}
