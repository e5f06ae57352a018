package dev.headroom.pipeline.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A place in a config as a JSON pointer ({@code /stages/0/lengths/2}), with the dotted form that
 * messages show ({@code stages[0].lengths[2]}).
 */
public record ConfigPointer(List<Object> steps) {

    public static final ConfigPointer ROOT = new ConfigPointer(List.of());

    public ConfigPointer {
        steps = List.copyOf(steps);
    }

    public ConfigPointer key(String name) {
        List<Object> s = new ArrayList<>(steps);
        s.add(name);
        return new ConfigPointer(s);
    }

    public ConfigPointer index(int i) {
        List<Object> s = new ArrayList<>(steps);
        s.add(i);
        return new ConfigPointer(s);
    }

    public ConfigPointer parent() {
        return steps.isEmpty() ? this : new ConfigPointer(steps.subList(0, steps.size() - 1));
    }

    /** The JSON pointer, "" for the root. */
    public String json() {
        StringBuilder b = new StringBuilder();
        for (Object s : steps) {
            b.append('/').append(s.toString().replace("~", "~0").replace("/", "~1"));
        }
        return b.toString();
    }

    /** The dotted form: {@code stages[0].methods[1].window}. */
    public String dotted() {
        StringBuilder b = new StringBuilder();
        for (Object s : steps) {
            if (s instanceof Integer) {
                b.append('[').append(s).append(']');
            } else {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(s);
            }
        }
        return b.length() == 0 ? "(top level)" : b.toString();
    }

    @Override
    public String toString() {
        return dotted();
    }
}
