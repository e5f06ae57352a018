package dev.headroom.pipeline.config;

import dev.headroom.attention.HeadroomException;
import java.util.List;

/**
 * A config that cannot be used: one or more problems, each {@code file:line:column: key: problem}.
 * The message is the problems one per line; the CLI prints each as {@code error: ...}.
 */
public final class ConfigException extends HeadroomException {

    private final List<String> problems;

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in the order of the file (line, then column). */
    public List<String> problems() {
        return problems;
    }
}
