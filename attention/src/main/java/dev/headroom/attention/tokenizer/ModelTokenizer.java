package dev.headroom.attention.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.headroom.attention.checkpoint.CheckpointException;
import dev.headroom.attention.runtime.TextCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A model's {@code tokenizer.json}, checked in Java ({@link TokenizerJsonCheck}) and read through
 * DJL's HuggingFaceTokenizer. Special tokens are not added, and nothing is truncated or padded
 * (DJL's defaults cut every encoding to 512 tokens).
 */
public final class ModelTokenizer implements TextCodec, AutoCloseable {

    /** Registers this reader of {@code tokenizer.json} with {@link TextCodec#of}. */
    public static final class Provider implements TextCodec.Provider {
        @Override
        public Optional<TextCodec> open(Path modelDir) {
            return Optional.ofNullable(openIfPresent(modelDir));
        }
    }

    /** Text a tokenizer must encode when it loads: words, digits, punctuation, a newline. */
    static final String PROBE = "The passkey is 71432.\nRemember it, then answer: what is it?";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private ModelTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /**
     * The model's tokenizer, or null when the directory has none (such models are used in token
     * ids).
     */
    public static ModelTokenizer openIfPresent(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) return null;
        String json = TokenizerJsonCheck.checked(file);
        HuggingFaceTokenizer t;
        try {
            t =
                    HuggingFaceTokenizer.newInstance(
                            new java.io.ByteArrayInputStream(
                                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                            Map.of(
                                    "addSpecialTokens",
                                    "false",
                                    "truncation",
                                    "false",
                                    "padding",
                                    "false",
                                    "modelMaxLength",
                                    String.valueOf(1 << 24)));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    file,
                    "cannot load tokenizer: " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
        ModelTokenizer m = new ModelTokenizer(t, file);
        try {
            m.decode(m.encode(PROBE)); // a tokenizer that loads but cannot encode is refused here
        } catch (CheckpointException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The library's error on this tokenizer's text, as one line naming the file. */
    private CheckpointException failure(String what, RuntimeException e) {
        return new CheckpointException(
                file, "cannot " + what + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
    }

    @Override
    public int[] encode(String text) {
        Encoding e;
        try {
            e = tokenizer.encode(text, false, false);
        } catch (RuntimeException x) {
            throw failure("encode text", x);
        }
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    /**
     * Character offsets [start, end) of each token of {@code text}, for mapping text spans to
     * positions.
     */
    @Override
    public int[][] offsets(String text) {
        Encoding e;
        try {
            e = tokenizer.encode(text, false, false);
        } catch (RuntimeException x) {
            throw failure("encode text", x);
        }
        ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = e.getCharTokenSpans();
        int[][] out = new int[spans.length][];
        for (int i = 0; i < spans.length; i++) {
            out[i] =
                    spans[i] == null
                            ? new int[] {-1, -1}
                            : new int[] {spans[i].getStart(), spans[i].getEnd()};
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        try {
            return tokenizer.decode(l, true);
        } catch (RuntimeException x) {
            throw failure("decode ids", x);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
