package dev.headroom.eval.harness;

import dev.headroom.attention.tokenizer.ModelTokenizer;
import dev.headroom.attention.runtime.LoadedModel;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models loaded in this JVM, keyed by checkpoint directory: each worker JVM loads a model once
 * (from a DoFn's {@code @Setup}) and every DoFn instance and thread shares it. Models stay loaded for
 * the life of the JVM; elements never carry them.
 */
public final class ModelCache {

    private static final ConcurrentHashMap<Path, LoadedModel> MODELS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Path, java.util.Optional<ModelTokenizer>> CODECS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ModelCache() {
    }

    /** The model in {@code dir}, loading it on first use. */
    public static LoadedModel get(Path dir) {
        return MODELS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> {
            LOADS.incrementAndGet();
            return LoadedModel.load(d);
        });
    }

    /** The text codec of the model in {@code dir}, or null when it has no tokenizer. */
    public static ModelTokenizer codec(Path dir) {
        return CODECS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> java.util.Optional.ofNullable(ModelTokenizer.openIfPresent(d)))
                .orElse(null);
    }

    /** How many times a model was loaded in this JVM (tests check that it is once per directory). */
    public static int loads() {
        return LOADS.get();
    }
}
