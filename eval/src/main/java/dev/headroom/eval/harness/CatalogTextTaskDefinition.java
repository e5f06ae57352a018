package dev.headroom.eval.harness;

import dev.headroom.eval.task.GeneratorOptions;
import dev.headroom.eval.task.TaskCatalog;
import dev.headroom.eval.task.TaskGenerator;
import java.util.List;

/**
 * The text tasks of {@link TaskCatalog} (passkey, niah, variable tracking, text MQAR): prompts
 * counted by the model's tokenizer.
 */
public final class CatalogTextTaskDefinition implements TaskDefinition {

    @Override
    public List<String> names() {
        return TaskCatalog.TEXT_TASKS;
    }

    @Override
    public boolean needsTokenizer() {
        return true;
    }

    @Override
    public TextUse textUse() {
        return TextUse.NONE;
    }

    @Override
    public TaskGenerator build(Context context) {
        ModelTokenCounter counter =
                new ModelTokenCounter(context.codec(), context.bosPrefix() ? 1 : 0);
        GeneratorOptions options =
                GeneratorOptions.DEFAULT.withMaxNewTokens(context.spec().maxNewTokens());
        return TaskCatalog.textTask(context.spec().name(), counter, options);
    }
}
