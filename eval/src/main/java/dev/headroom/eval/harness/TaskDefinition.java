package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.IdSet;
import dev.headroom.eval.task.TaskGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A family of tasks a config can name: the names it answers to, what they need, and how their
 * generator is built for a loaded model. Implementations are found through {@link
 * java.util.ServiceLoader}: list them in {@code
 * META-INF/services/dev.headroom.eval.harness.TaskDefinition}; {@link TaskDefinitions} looks names
 * up.
 */
public interface TaskDefinition {

    /** Which user-given text ({@link TaskSpec#textFile()}) the tasks read. */
    enum TextUse {
        /** None. */
        NONE,
        /** The haystack a needle hides in ({@code niah_*_text}). */
        HAYSTACK,
        /**
         * The token sequence itself ({@code kl}): encoded with the tokenizer, or token ids when
         * there is none.
         */
        SEQUENCE
    }

    /** The task names of this family, in the order {@link TaskFactory#knownTasks()} lists them. */
    List<String> names();

    /** Whether the tasks need the model's tokenizer (false: they run on token ids). */
    boolean needsTokenizer();

    TextUse textUse();

    /** The generator of {@code context.spec()}, whose name is one of {@link #names()}. */
    TaskGenerator build(Context context);

    /**
     * What a definition builds from: the spec, the loaded model and whether the runner prepends
     * BOS.
     */
    final class Context {

        private final TaskSpec spec;
        private final LanguageModelRuntime model;
        private final boolean bosPrefix;
        private TextCodec codec;
        private boolean codecOpened;

        /**
         * @param addBos whether the runner prepends the model's BOS id (counted in the prompt
         *     length)
         */
        public Context(TaskSpec spec, LanguageModelRuntime model, boolean addBos) {
            this.spec = Objects.requireNonNull(spec, "spec");
            this.model = Objects.requireNonNull(model, "model");
            this.bosPrefix = addBos && model.config().bosTokenId() >= 0;
        }

        public TaskSpec spec() {
            return spec;
        }

        public LanguageModelRuntime model() {
            return model;
        }

        /** Whether prompts start with the model's BOS id. */
        public boolean bosPrefix() {
            return bosPrefix;
        }

        /** The ids put before token prompts: the BOS id, or none. */
        public int[] prefixIds() {
            return bosPrefix ? new int[] {model.config().bosTokenId()} : new int[0];
        }

        /** The model's tokenizer, or null when it has none; opened on first use. */
        public TextCodec codecOrNull() {
            if (!codecOpened) {
                codec = ModelCache.codec(model.directory());
                codecOpened = true;
            }
            return codec;
        }

        /** The model's tokenizer; fails naming the task when the model has none. */
        public TextCodec codec() {
            TextCodec c = codecOrNull();
            if (c == null) {
                throw new IllegalArgumentException(
                        "task "
                                + spec.name()
                                + " needs a tokenizer and "
                                + model.directory()
                                + " has no tokenizer.json");
            }
            return c;
        }

        /** The text of {@link TaskSpec#textFile()}. */
        public String readText() {
            if (spec.textFile() == null) {
                throw new IllegalArgumentException("task " + spec.name() + " needs a text file");
            }
            try {
                return Files.readString(Path.of(spec.textFile()));
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "cannot read " + spec.textFile() + ": " + e.getMessage(), e);
            }
        }

        /** The model's ids other than BOS, EOS and id 0 (often padding or unknown). */
        public IdSet ordinaryIds() {
            int bos = model.config().bosTokenId(), eos = model.config().eosTokenId();
            return IdSet.of(
                    IntStream.range(1, model.config().vocabSize())
                            .filter(i -> i != bos && i != eos)
                            .toArray());
        }
    }
}
