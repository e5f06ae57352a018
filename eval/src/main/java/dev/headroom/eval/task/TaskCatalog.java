package dev.headroom.eval.task;

import java.util.List;

/** Generators by name, for configs that list tasks as strings. */
public final class TaskCatalog {

    /** Text tasks {@link #textTask} can build with only a token counter. */
    public static final List<String> TEXT_TASKS =
            List.of(
                    PassKeyTask.NAME,
                    NiahTask.SINGLE,
                    NiahTask.MULTI_KEY,
                    NiahTask.MULTI_VALUE,
                    NiahTask.MULTI_QUERY,
                    VariableTrackingTask.NAME,
                    MqarTextTask.NAME);

    /**
     * The niah variants among {@link #TEXT_TASKS}; each also runs over a user-given haystack
     * ({@link #niahInText}).
     */
    public static final List<String> NIAH_TASKS =
            List.of(
                    NiahTask.SINGLE,
                    NiahTask.MULTI_KEY,
                    NiahTask.MULTI_VALUE,
                    NiahTask.MULTI_QUERY);

    /**
     * Suffix of a niah task name whose haystack is a user-given text, e.g. {@code
     * niah_single_text}.
     */
    public static final String TEXT_HAYSTACK_SUFFIX = "_text";

    private TaskCatalog() {}

    /** A text task with the published defaults and the given options. */
    public static TaskGenerator textTask(
            String name, TokenCounter counter, GeneratorOptions options) {
        return switch (name) {
            case PassKeyTask.NAME -> new PassKeyTask(counter).withOptions(options);
            case NiahTask.SINGLE -> NiahTask.single(counter).withOptions(options);
            case NiahTask.MULTI_KEY -> NiahTask.multiKey(counter).withOptions(options);
            case NiahTask.MULTI_VALUE -> NiahTask.multiValue(counter).withOptions(options);
            case NiahTask.MULTI_QUERY -> NiahTask.multiQuery(counter).withOptions(options);
            case VariableTrackingTask.NAME ->
                    new VariableTrackingTask(counter).withOptions(options);
            case MqarTextTask.NAME -> new MqarTextTask(counter).withOptions(options);
            default ->
                    throw new IllegalArgumentException(
                            "unknown text task '" + name + "'; known: " + TEXT_TASKS);
        };
    }

    /** A niah variant over a user-given haystack, named e.g. {@code niah_single_text}. */
    public static TaskGenerator niahInText(
            String niahName, TokenCounter counter, Haystack haystack, GeneratorOptions options) {
        if (!NIAH_TASKS.contains(niahName)) {
            throw new IllegalArgumentException("not a niah task: " + niahName);
        }
        NiahTask base = (NiahTask) textTask(niahName, counter, options);
        return base.withHaystack(haystack).withName(niahName + TEXT_HAYSTACK_SUFFIX);
    }
}
