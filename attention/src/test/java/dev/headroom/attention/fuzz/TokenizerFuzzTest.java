package dev.headroom.attention.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model's {@code tokenizer.json} on arbitrary bytes: it loads, encodes and decodes a line of
 * text, or is refused with our own one-line {@link HeadroomException}; any other exception is a
 * finding. The parsing itself is Hugging Face's tokenizers (native code, not instrumented), so this
 * fuzzes what reaches it and what we do with its answers. {@code mvn -B verify} replays {@code
 * TokenizerFuzzTestInputs}; {@code JAZZER_FUZZ=1 mvn -B test -pl attention
 * -Dtest=TokenizerFuzzTest} fuzzes.
 */
class TokenizerFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("headroom-tokenizer-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void tokenizerJson(byte[] data) throws IOException {
        Files.write(DIR.resolve("tokenizer.json"), data);
        try (ModelTokenizer t = ModelTokenizer.openIfPresent(DIR)) {
            int[] ids = t.encode("the passkey is 71432. remember it");
            t.offsets("the passkey is 71432");
            t.decode(ids);
        } catch (HeadroomException expected) {
            // our own refusal
        }
    }
}
