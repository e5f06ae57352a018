package dev.headroom.eval.harness;

import dev.headroom.eval.task.GeneratorOptions;
import dev.headroom.eval.task.Haystack;
import dev.headroom.eval.task.TaskCatalog;
import dev.headroom.eval.task.TaskGenerator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The niah tasks over a user-given haystack, {@code niah_single_text} etc.: the text file split
 * into sentences.
 */
public final class NiahInTextTaskDefinition implements TaskDefinition {

    /**
     * Task name to the niah task it runs over the text, in {@link TaskCatalog#NIAH_TASKS} order.
     */
    private static final Map<String, String> BASE_OF_NAME = baseOfName();

    private static Map<String, String> baseOfName() {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String niah : TaskCatalog.NIAH_TASKS) {
            byName.put(niah + TaskCatalog.TEXT_HAYSTACK_SUFFIX, niah);
        }
        return byName;
    }

    @Override
    public List<String> names() {
        return List.copyOf(BASE_OF_NAME.keySet());
    }

    @Override
    public boolean needsTokenizer() {
        return true;
    }

    @Override
    public TextUse textUse() {
        return TextUse.HAYSTACK;
    }

    @Override
    public TaskGenerator build(Context context) {
        String base = BASE_OF_NAME.get(context.spec().name());
        if (base == null) {
            throw new IllegalArgumentException(
                    "not a niah task over a text: " + context.spec().name());
        }
        ModelTokenCounter counter =
                new ModelTokenCounter(context.codec(), context.bosPrefix() ? 1 : 0);
        GeneratorOptions options =
                GeneratorOptions.DEFAULT.withMaxNewTokens(context.spec().maxNewTokens());
        return TaskCatalog.niahInText(
                base, counter, Haystack.textOfSentences(context.readText()), options);
    }
}
