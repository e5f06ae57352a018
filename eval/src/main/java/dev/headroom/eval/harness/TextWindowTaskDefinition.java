package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.TaskGenerator;
import java.util.List;

/**
 * {@code kl}: {@link TextWindowTask} over the text file, encoded with the model's tokenizer or read
 * as token ids when the model has none; documents start after the model's BOS id.
 */
public final class TextWindowTaskDefinition implements TaskDefinition {

    @Override
    public List<String> names() {
        return List.of(TextWindowTask.NAME);
    }

    @Override
    public boolean needsTokenizer() {
        return false;
    }

    @Override
    public TextUse textUse() {
        return TextUse.SEQUENCE;
    }

    @Override
    public TaskGenerator build(Context context) {
        String text = context.readText();
        TextCodec codec = context.codecOrNull();
        int[] ids = codec != null ? codec.encode(text) : TextWindowTask.parseIds(text);
        return new TextWindowTask(ids, context.prefixIds(), context.model().config().bosTokenId());
    }
}
