package dev.headroom.eval.harness;

import dev.headroom.eval.task.IdSet;
import dev.headroom.eval.task.MqarTask;
import dev.headroom.eval.task.TaskGenerator;
import java.util.Arrays;
import java.util.List;

/**
 * {@code mqar}: {@link MqarTask} with keys from the lower and values from the upper half of the
 * model's ordinary ids.
 */
public final class MqarTaskDefinition implements TaskDefinition {

    @Override
    public List<String> names() {
        return List.of(MqarTask.NAME);
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
        int[] ids = context.ordinaryIds().toArray();
        int half = ids.length / 2;
        IdSet keys = IdSet.of(Arrays.copyOfRange(ids, 0, half));
        IdSet values = IdSet.of(Arrays.copyOfRange(ids, half, ids.length));
        return new MqarTask(keys, values, context.spec().kvPairs());
    }
}
