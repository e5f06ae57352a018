package dev.headroom.eval.harness;

import dev.headroom.attention.runtime.Backend;
import dev.headroom.attention.runtime.LanguageModelRuntime;
import dev.headroom.attention.runtime.Runtimes;
import dev.headroom.attention.runtime.TextCodec;
import java.nio.file.Path;

/**
 * The models loaded in this JVM, keyed by checkpoint directory and backend: each worker JVM loads a
 * model once (from a DoFn's {@code @Setup}) and every DoFn instance and thread shares it. Models
 * stay loaded for the life of the JVM; elements never carry them.
 */
public final class ModelCache {

    private ModelCache() {}

    /** The model in {@code dir} on {@code backend}, loading it on first use. */
    public static LanguageModelRuntime get(Path dir, Backend backend) {
        return Runtimes.shared(dir, backend);
    }

    /** The model in {@code dir} on the backend {@code auto} picks. */
    public static LanguageModelRuntime get(Path dir) {
        return get(dir, Backend.AUTO);
    }

    /** The text codec of the model in {@code dir}, or null when it has no tokenizer. */
    public static TextCodec codec(Path dir) {
        return TextCodec.of(dir).orElse(null);
    }

    /**
     * How many times a model was loaded in this JVM (tests check that it is once per directory).
     */
    public static int loads() {
        return Runtimes.loads();
    }
}
