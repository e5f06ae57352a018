package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.task.TaskGenerator;
import java.util.List;

/**
 * Builds the generator of a {@link TaskSpec} for a loaded model, through the task's {@link
 * TaskDefinition} ({@link TaskDefinitions}).
 */
public final class TaskFactory {

    /** Tasks that run on token ids and need no tokenizer. */
    public static final List<String> TOKEN_TASKS =
            TaskDefinitions.names().stream()
                    .filter(name -> !TaskDefinitions.require(name).needsTokenizer())
                    .toList();

    private TaskFactory() {}

    /** Every task name a config may use (niah variants also with the {@code _text} suffix). */
    public static List<String> knownTasks() {
        return TaskDefinitions.names();
    }

    /** True for every task but the token tasks, unknown names included. */
    public static boolean needsTokenizer(String task) {
        return TaskDefinitions.find(task).map(TaskDefinition::needsTokenizer).orElse(true);
    }

    /** Tasks whose haystack is the user-given text ({@code niah_*_text}). */
    public static boolean needsHaystackText(String task) {
        return textUse(task) == TaskDefinition.TextUse.HAYSTACK;
    }

    /** Tasks that read the user-given text ({@link TaskSpec#textFile()}). */
    public static boolean needsText(String task) {
        return textUse(task) != TaskDefinition.TextUse.NONE;
    }

    private static TaskDefinition.TextUse textUse(String task) {
        return TaskDefinitions.find(task)
                .map(TaskDefinition::textUse)
                .orElse(TaskDefinition.TextUse.NONE);
    }

    /**
     * @param addBos whether the runner prepends the model's BOS id (counted in the prompt length)
     */
    public static TaskGenerator build(TaskSpec spec, LanguageModelRuntime model, boolean addBos) {
        return TaskDefinitions.require(spec.name())
                .build(new TaskDefinition.Context(spec, model, addBos));
    }
}
