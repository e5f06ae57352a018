package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.headroom.attention.tokenizer.ModelTokenizer;
import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskCase;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordTokenizerTest {
    private final WordTokenizer tok = WordTokenizer.forTasks();

    @Test
    void javaAndHuggingFaceAgreeOnEveryTaskPromptWithNoUnknownTokens(@TempDir Path dir)
            throws Exception {
        tok.write(dir.resolve("tokenizer.json"));
        TrainingData data = new TrainingData(tok, Split.ANY, 0.3);
        // opened as ModelTokenizer opens it: DJL would otherwise truncate to 512 tokens
        try (HuggingFaceTokenizer hf =
                        HuggingFaceTokenizer.newInstance(
                                dir.resolve("tokenizer.json"),
                                java.util.Map.of(
                                        "addSpecialTokens", "false", "truncation", "false"));
                ModelTokenizer runtime = ModelTokenizer.openIfPresent(dir)) {
            for (String task :
                    new String[] {
                        TrainingData.PASSKEY,
                        TrainingData.NIAH,
                        TrainingData.NIAH_MULTIKEY,
                        TrainingData.VT
                    }) {
                for (int length : new int[] {256, 1024}) {
                    TaskCase c = data.generator(task).generate(length, 0.5, 3, 42);
                    String text = c.prompt() + TrainingData.answerText(c);
                    int[] ours = tok.encode(text);
                    assertArrayEquals(
                            Arrays.stream(ours).asLongStream().toArray(),
                            hf.encode(text).getIds(),
                            task + " " + length);
                    assertArrayEquals(
                            ours,
                            runtime.encode(text),
                            "the runtime's tokenizer, " + task + " " + length);
                    assertFalse(
                            Arrays.stream(ours).anyMatch(id -> id == WordTokenizer.UNK_ID),
                            task + " has [UNK]");
                    assertTrue(ours.length <= length + 40 && c.promptTokens() <= length, task);
                    assertEquals(
                            text,
                            hf.decode(Arrays.stream(ours).asLongStream().toArray(), true),
                            "round trip of " + task);
                    assertEquals(text, tok.decode(ours));
                }
            }
        }
    }

    @Test
    void digitsAreSingleTokensAndNumbersDecodeWhole(@TempDir Path dir) throws Exception {
        tok.write(dir.resolve("tokenizer.json"));
        String s =
                "The pass key is 71432. Remember it. 71432 is the pass key.\nVAR SQHUM = 12345 chain(s):";
        int[] ids = tok.encode(s);
        assertEquals(tok.id(WordTokenizer.SPACE + "7"), ids[4]);
        assertEquals(tok.id("1"), ids[5]);
        try (ModelTokenizer hf = ModelTokenizer.openIfPresent(dir)) {
            assertArrayEquals(ids, hf.encode(s));
            assertEquals(" 71432.", hf.decode(Arrays.copyOfRange(ids, 4, 10)));
        }
        assertTrue(
                tok.vocabSize() > 300 && tok.vocabSize() < 600,
                "a few hundred tokens: " + tok.vocabSize());
    }
}
