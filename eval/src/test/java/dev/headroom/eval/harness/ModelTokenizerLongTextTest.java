package dev.headroom.eval.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.GeneratorOptions;
import dev.headroom.eval.task.NiahTask;
import dev.headroom.eval.task.PassKeyTask;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TokenCounter;
import dev.headroom.eval.task.VariableTrackingTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The codec and token counter on the bundled demo model's word-level tokenizer (skipped when
 * models/demo has no tokenizer.json), checked against two counts that do not go through the
 * tokenizer library: a re-implementation of the tokenizer.json rules (replace " " by "▁", split by
 * the pre-tokenizer's regex, look pieces up in the vocab), and {@link TokenCounter#words()} plus
 * one per newline, the split the demo tokenizer was built to follow.
 */
class ModelTokenizerLongTextTest {

    /**
     * The demo tokenizer's pre-tokenizer pattern (tokenizer.json), applied after spaces become "▁".
     */
    private static final Pattern PIECE =
            Pattern.compile("▁?[A-Za-z]+|▁?[0-9]|\n|▁?[^▁\\sA-Za-z0-9]");

    private static Path dir;
    private static TextCodec codec;
    private static Map<String, Integer> vocab;

    /**
     * About 5000 tokens of generated prompts, every word in the demo vocabulary, lines joined by
     * newlines.
     */
    private static String longText;

    @BeforeAll
    static void load() throws Exception {
        dir = CaseRunnerTest.repoRoot().resolve("models/demo");
        Assumptions.assumeTrue(
                Files.isRegularFile(dir.resolve("tokenizer.json")),
                "no models/demo/tokenizer.json (skipping)");
        codec = ModelCache.codec(dir);
        vocab = wordLevelVocab(Files.readString(dir.resolve("tokenizer.json")));
        GeneratorOptions options = GeneratorOptions.DEFAULT;
        longText =
                String.join(
                        "\n",
                        new PassKeyTask(TokenCounter.words()).generate(1500, 0.3, 0, 11L).prompt(),
                        NiahTask.multiKey(TokenCounter.words())
                                .withOptions(options)
                                .generate(2000, 0.7, 1, 11L)
                                .prompt(),
                        new VariableTrackingTask(TokenCounter.words())
                                .generate(1500, 0.5, 2, 11L)
                                .prompt());
    }

    @Test
    void longTextEncodesToExactlyTheIndependentIdsAndDecodesBack() {
        int[] expected = independentIds(longText);
        assertTrue(
                expected.length > 4000,
                "the text is " + expected.length + " tokens: far beyond 512");
        assertTrue(
                Arrays.stream(expected).noneMatch(id -> id == vocab.get("[UNK]")),
                "the text stays inside the vocabulary");
        assertEquals(
                TokenCounter.words().count(longText) + newlines(longText),
                expected.length,
                "the two independent counts agree");
        checkCodec(codec, longText, expected);
    }

    @Test
    void counterCountsWhatTheRunnerFeeds() {
        int[] expected = independentIds(longText);
        assertEquals(expected.length, new ModelTokenCounter(codec, 0).count(longText));
        assertEquals(1 + expected.length, new ModelTokenCounter(codec, 1).count(longText));

        ModelTokenCounter counter = new ModelTokenCounter(codec, 1);
        TaskCase c = new PassKeyTask(counter).generate(2000, 0.5, 0, 1L);
        int independent = 1 + independentIds(c.prompt()).length;
        assertEquals(
                independent,
                c.promptTokens(),
                "the case's length is the BOS id plus the prompt's tokens");
        assertTrue(
                c.promptTokens() <= 2000 && c.promptTokens() > 1990,
                "prompt tokens " + c.promptTokens());
    }

    /** The check fails for a codec that truncates at 512 tokens, as DJL's default options do. */
    @Test
    void checkCatchesTruncationAt512() throws Exception {
        int[] expected = independentIds(longText);
        TextCodec truncating =
                new TextCodec() {
                    @Override
                    public int[] encode(String text) {
                        return Arrays.copyOf(
                                codec.encode(text), Math.min(512, codec.encode(text).length));
                    }

                    @Override
                    public String decode(int[] ids) {
                        return codec.decode(ids);
                    }

                    @Override
                    public int[][] offsets(String text) {
                        return Arrays.copyOf(
                                codec.offsets(text), Math.min(512, codec.offsets(text).length));
                    }
                };
        assertThrows(AssertionError.class, () -> checkCodec(truncating, longText, expected));

        try (HuggingFaceTokenizer djlDefaults =
                HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
            assertEquals(
                    512,
                    djlDefaults.encode(longText).getIds().length,
                    "DJL's defaults cut the text at 512 tokens");
        }
    }

    /** The check fails for a codec whose decoding loses text (here: newlines become spaces). */
    @Test
    void checkCatchesALossyDecode() {
        int[] expected = independentIds(longText);
        TextCodec lossy =
                new TextCodec() {
                    @Override
                    public int[] encode(String text) {
                        return codec.encode(text);
                    }

                    @Override
                    public String decode(int[] ids) {
                        return codec.decode(ids).replace('\n', ' ');
                    }

                    @Override
                    public int[][] offsets(String text) {
                        return codec.offsets(text);
                    }
                };
        assertThrows(AssertionError.class, () -> checkCodec(lossy, longText, expected));
    }

    /**
     * Encodes to exactly {@code expected}, decodes back to the text, and has one offset per id up
     * to the text's end.
     */
    private static void checkCodec(TextCodec c, String text, int[] expected) {
        int[] ids = c.encode(text);
        assertEquals(expected.length, ids.length, "token count");
        assertArrayEquals(expected, ids, "token ids");
        assertEquals(text, c.decode(ids), "decode(encode(text))");
        int[][] offsets = c.offsets(text);
        assertEquals(ids.length, offsets.length, "one offset per token");
        assertEquals(text.length(), offsets[offsets.length - 1][1], "the last token ends the text");
    }

    /**
     * The demo tokenizer by hand: spaces to "▁", pieces of the pre-tokenizer regex (and the gaps
     * between), vocab ids.
     */
    private static int[] independentIds(String text) {
        String normalized = text.replace(' ', '▁');
        List<String> pieces = new ArrayList<>();
        Matcher m = PIECE.matcher(normalized);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                pieces.add(normalized.substring(at, m.start()));
            }
            pieces.add(m.group());
            at = m.end();
        }
        if (at < normalized.length()) {
            pieces.add(normalized.substring(at));
        }
        int unk = vocab.get("[UNK]");
        return pieces.stream().mapToInt(p -> vocab.getOrDefault(p, unk)).toArray();
    }

    private static int newlines(String text) {
        return (int) text.chars().filter(ch -> ch == '\n').count();
    }

    /**
     * The {@code "vocab"} object of a WordLevel tokenizer.json, read with a minimal JSON string
     * scanner.
     */
    private static Map<String, Integer> wordLevelVocab(String json) {
        int i = json.indexOf('{', json.indexOf("\"vocab\""));
        Map<String, Integer> out = new HashMap<>();
        i++;
        while (true) {
            while (Character.isWhitespace(json.charAt(i)) || json.charAt(i) == ',') {
                i++;
            }
            if (json.charAt(i) == '}') {
                return out;
            }
            StringBuilder key = new StringBuilder();
            for (i++; json.charAt(i) != '"'; i++) {
                char ch = json.charAt(i);
                if (ch == '\\') {
                    char e = json.charAt(++i);
                    switch (e) {
                        case 'n' -> key.append('\n');
                        case 't' -> key.append('\t');
                        case 'r' -> key.append('\r');
                        case 'u' -> {
                            key.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                            i += 4;
                        }
                        default -> key.append(e);
                    }
                } else {
                    key.append(ch);
                }
            }
            i = json.indexOf(':', i) + 1;
            while (Character.isWhitespace(json.charAt(i))) {
                i++;
            }
            int end = i;
            while (Character.isDigit(json.charAt(end))) {
                end++;
            }
            out.put(key.toString(), Integer.parseInt(json.substring(i, end)));
            i = end;
        }
    }
}
