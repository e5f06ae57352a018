package dev.headroom.eval.harness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The {@link TaskDefinition}s on the classpath, by task name. Loaded once per JVM through {@link
 * ServiceLoader}, in the order the service files list them; a name claimed by two definitions fails
 * the lookup.
 */
public final class TaskDefinitions {

    private TaskDefinitions() {}

    /** The definitions, loaded on first use. */
    private static final class Loaded {
        static final List<String> NAMES;
        static final Map<String, TaskDefinition> BY_NAME;

        static {
            Map<String, TaskDefinition> byName = new LinkedHashMap<>();
            for (TaskDefinition d :
                    ServiceLoader.load(
                            TaskDefinition.class, TaskDefinition.class.getClassLoader())) {
                for (String name : d.names()) {
                    TaskDefinition other = byName.putIfAbsent(name, d);
                    if (other != null) {
                        throw new IllegalStateException(
                                "task '"
                                        + name
                                        + "' is defined by both "
                                        + other.getClass().getName()
                                        + " and "
                                        + d.getClass().getName());
                    }
                }
            }
            NAMES = List.copyOf(byName.keySet());
            BY_NAME = Map.copyOf(byName);
        }
    }

    /** Every task name, definition by definition in service-file order. */
    public static List<String> names() {
        return Loaded.NAMES;
    }

    /** The definition of {@code name}, if any. */
    public static Optional<TaskDefinition> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(Loaded.BY_NAME.get(name));
    }

    /** The definition of {@code name}; fails listing the known names. */
    public static TaskDefinition require(String name) {
        return find(name)
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown task '" + name + "'; known: " + names()));
    }
}
