package dev.headroom.attention.runtime;

import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's tokenizer as text tasks need it: text to ids and back, and each id's character span.
 * The implementation ({@code tokenizer.json} through Hugging Face's tokenizers) is found on the
 * classpath through {@link Provider}.
 */
public interface TextCodec {

    int[] encode(String text);

    String decode(int[] ids);

    /**
     * Character offsets [start, end) of each token of {@code text} ({-1, -1} where a token has
     * none).
     */
    int[][] offsets(String text);

    /** Opens a model directory's tokenizer, if it has one. */
    interface Provider {
        /**
         * Empty when {@code modelDir} has no tokenizer; a broken one fails with a one-line error.
         */
        Optional<TextCodec> open(Path modelDir);
    }

    /**
     * The tokenizer of {@code modelDir}, shared per JVM; empty when the model has none (used in
     * token ids).
     */
    static Optional<TextCodec> of(Path modelDir) {
        return Codecs.SHARED.computeIfAbsent(
                modelDir.toAbsolutePath().normalize(),
                d -> {
                    for (Provider p :
                            ServiceLoader.load(Provider.class, TextCodec.class.getClassLoader())) {
                        Optional<TextCodec> c = p.open(d);
                        if (c.isPresent()) return c;
                    }
                    if (java.nio.file.Files.isRegularFile(d.resolve("tokenizer.json"))) {
                        throw new dev.headroom.attention.HeadroomException(
                                d.resolve("tokenizer.json")
                                        + ": no tokenizer implementation on this classpath to read it");
                    }
                    return Optional.empty();
                });
    }

    /** The per-JVM tokenizers of {@link #of}. */
    final class Codecs {
        private static final ConcurrentHashMap<Path, Optional<TextCodec>> SHARED =
                new ConcurrentHashMap<>();

        private Codecs() {}
    }
}
