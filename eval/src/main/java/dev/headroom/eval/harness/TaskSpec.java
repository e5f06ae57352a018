package dev.headroom.eval.harness;

import java.io.Serializable;
import java.util.Objects;

/**
 * A task as a config names it: small and serializable, so it travels in grid elements and the
 * generator is built on the worker, next to the model's tokenizer ({@link TaskFactory}).
 *
 * @param name a task of {@link TaskFactory#knownTasks()}: a {@link
 *     dev.headroom.eval.task.TaskCatalog} text task, a niah task with {@code _text} (haystack from
 *     {@code textFile}), {@code copy}, {@code mqar} or {@code kl}; its {@link TaskDefinition}
 *     builds the generator
 * @param maxNewTokens tokens to generate for text tasks; 0 = the task's published default
 * @param kvPairs key-value pairs of token-level {@code mqar}
 * @param textFile absolute path of the user-given text, read on the worker: the haystack of {@code
 *     niah_*_text} tasks, the sequence of {@code kl} (token ids separated by spaces or commas when
 *     the model has no tokenizer; see {@link TextWindowTask}); else null
 */
public record TaskSpec(String name, int maxNewTokens, int kvPairs, String textFile)
        implements Serializable {

    public static final int DEFAULT_MQAR_PAIRS = 8;

    public TaskSpec {
        Objects.requireNonNull(name, "name");
    }

    public static TaskSpec of(String name) {
        return new TaskSpec(name, 0, DEFAULT_MQAR_PAIRS, null);
    }
}
