package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.eval.task.CopyTask;
import dev.headroom.eval.task.GeneratorOptions;
import dev.headroom.eval.task.Haystack;
import dev.headroom.eval.task.IdSet;
import dev.headroom.eval.task.MqarTask;
import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskCatalog;
import dev.headroom.eval.task.TaskGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** Builds the generator of a {@link TaskSpec} for a loaded model. */
public final class TaskFactory {

    /** Tasks that run on token ids and need no tokenizer. */
    public static final List<String> TOKEN_TASKS = List.of(CopyTask.NAME, MqarTask.NAME, TextWindowTask.NAME);

    private TaskFactory() {
    }

    /** Every task name a config may use (niah variants also with the {@code _text} suffix). */
    public static List<String> knownTasks() {
        List<String> all = new ArrayList<>(TaskCatalog.TEXT_TASKS);
        for (String t : TaskCatalog.TEXT_TASKS) {
            if (t.startsWith("niah_")) {
                all.add(t + TaskCatalog.TEXT_HAYSTACK_SUFFIX);
            }
        }
        all.addAll(TOKEN_TASKS);
        return List.copyOf(all);
    }

    public static boolean needsTokenizer(String task) {
        return !TOKEN_TASKS.contains(task);
    }

    public static boolean needsHaystackText(String task) {
        return task.startsWith("niah_") && task.endsWith(TaskCatalog.TEXT_HAYSTACK_SUFFIX);
    }

    /** Tasks that read the user-given text ({@link TaskSpec#text()}). */
    public static boolean needsText(String task) {
        return needsHaystackText(task) || task.equals(TextWindowTask.NAME);
    }

    /**
     * @param addBos whether the runner prepends the model's BOS id (counted in the prompt length)
     */
    public static TaskGenerator build(TaskSpec spec, LanguageModelRuntime model, boolean addBos) {
        String name = spec.name();
        int bos = model.config().bosTokenId();
        boolean prefix = addBos && bos >= 0;
        if (name.equals(CopyTask.NAME)) {
            CopyTask copy = new CopyTask(ordinaryIds(model), prefix ? new int[] {bos} : new int[0], Split.ANY);
            return copy;
        }
        if (name.equals(MqarTask.NAME)) {
            int[] ids = ordinaryIds(model).toArray();
            int half = ids.length / 2;
            IdSet keys = IdSet.of(java.util.Arrays.copyOfRange(ids, 0, half));
            IdSet values = IdSet.of(java.util.Arrays.copyOfRange(ids, half, ids.length));
            return new MqarTask(keys, values, spec.kvPairs());
        }
        TextCodec codec = ModelCache.codec(model.directory());
        if (name.equals(TextWindowTask.NAME)) {
            String text = readText(spec);
            int[] ids = codec != null ? codec.encode(text) : TextWindowTask.parseIds(text);
            return new TextWindowTask(ids, prefix ? new int[] {bos} : new int[0]);
        }
        if (codec == null) {
            throw new IllegalArgumentException("task " + name + " needs a tokenizer and " + model.directory()
                    + " has no tokenizer.json");
        }
        ModelTokenCounter counter = new ModelTokenCounter(codec, prefix ? 1 : 0);
        GeneratorOptions options = GeneratorOptions.DEFAULT.withMaxNewTokens(spec.maxNewTokens());
        if (needsHaystackText(name)) {
            String base = name.substring(0, name.length() - TaskCatalog.TEXT_HAYSTACK_SUFFIX.length());
            return TaskCatalog.niahInText(base, counter, Haystack.textOfSentences(readText(spec)), options);
        }
        return TaskCatalog.textTask(name, counter, options);
    }

    private static String readText(TaskSpec spec) {
        if (spec.textFile() == null) {
            throw new IllegalArgumentException("task " + spec.name() + " needs a text file");
        }
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(spec.textFile()));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + spec.textFile() + ": " + e.getMessage(), e);
        }
    }

    /** The model's ids other than BOS, EOS and id 0 (often padding or unknown). */
    static IdSet ordinaryIds(LanguageModelRuntime model) {
        int bos = model.config().bosTokenId(), eos = model.config().eosTokenId();
        return IdSet.of(IntStream.range(1, model.config().vocabSize()).filter(i -> i != bos && i != eos).toArray());
    }
}
