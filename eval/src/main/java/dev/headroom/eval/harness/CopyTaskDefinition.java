package dev.headroom.eval.harness;

import dev.headroom.eval.task.CopyTask;
import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskGenerator;
import java.util.List;

/**
 * {@code copy}: {@link CopyTask} over the model's ordinary ids, after the BOS id when the runner
 * prepends it.
 */
public final class CopyTaskDefinition implements TaskDefinition {

    @Override
    public List<String> names() {
        return List.of(CopyTask.NAME);
    }

    @Override
    public boolean needsTokenizer() {
        return false;
    }

    @Override
    public TextUse textUse() {
        return TextUse.NONE;
    }

    @Override
    public TaskGenerator build(Context context) {
        return new CopyTask(context.ordinaryIds(), context.prefixIds(), Split.ANY);
    }
}
