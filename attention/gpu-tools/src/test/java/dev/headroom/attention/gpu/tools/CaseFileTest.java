package dev.headroom.attention.gpu.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.NeedleSpan;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.StringMatchAll;
import dev.headroom.eval.task.TaskCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Case files: written where the tokenizer runs, replayed exactly where it does not. */
class CaseFileTest {

    /** A word-level codec over a fixed vocabulary: decode is per token, as the demo model's. */
    private static final class Words implements TextCodec {
        static final List<String> VOCAB = List.of("<s>", " the", " key", " is", " 42", ".", "\n");
        private final boolean perToken;

        Words(boolean perToken) {
            this.perToken = perToken;
        }

        @Override
        public int[] encode(String text) {
            List<Integer> ids = new ArrayList<>();
            int at = 0;
            outer:
            while (at < text.length()) {
                for (int id = VOCAB.size() - 1; id > 0; id--)
                    if (text.startsWith(VOCAB.get(id), at)) {
                        ids.add(id);
                        at += VOCAB.get(id).length();
                        continue outer;
                    }
                throw new IllegalArgumentException("cannot encode at " + at);
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder b = new StringBuilder();
            for (int id : ids) b.append(id == 0 ? "" : VOCAB.get(id));
            String s = b.toString();
            return perToken ? s : s.strip(); // a decoder that strips the first space is not
        }

        @Override
        public int[][] offsets(String text) {
            throw new UnsupportedOperationException();
        }
    }

    private static TaskCase textCase(int sample) {
        return new TaskCase(
                "passkey",
                16,
                0.5,
                sample,
                2026,
                " the key is 42.\n the key is",
                null,
                9,
                List.of("42"),
                " 42.",
                new int[0],
                new int[0],
                12,
                List.of(new NeedleSpan(4, 5)),
                new Scoring.GenerateAndMatch(new StringMatchAll()));
    }

    private static TaskCase tokenCase() {
        return new TaskCase(
                "copy",
                8,
                0.0,
                0,
                2026,
                null,
                new int[] {1, 2, 3, 4, 1, 2, 3, 4},
                8,
                List.of(),
                null,
                new int[] {4, 5},
                new int[] {2, 3},
                0,
                List.of(),
                new Scoring.TeacherForcedArgmax());
    }

    @Test
    void casesAndTheirEncodingsComeBackExactly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cases.json");
        List<TaskCase> cases = List.of(textCase(0), textCase(1), tokenCase());
        Words words = new Words(true);
        CaseFile.write(file, cases, words, Words.VOCAB.size(), "models/words");
        CaseFile.Read read = CaseFile.read(file);
        assertEquals(cases, read.cases());
        assertEquals("models/words", read.model());
        String prompt = cases.get(0).prompt();
        assertArrayEquals(words.encode(prompt), read.codec().encode(prompt));
        int[] generated = {4, 5, 6, 0, 2};
        assertEquals(words.decode(generated), read.codec().decode(generated));
        assertThrows(IllegalArgumentException.class, () -> read.codec().encode(" the key"));
    }

    @Test
    void aDecoderThatIsNotPerTokenIsRefused(@TempDir Path dir) {
        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                CaseFile.write(
                                        dir.resolve("cases.json"),
                                        List.of(textCase(0)),
                                        new Words(false),
                                        Words.VOCAB.size(),
                                        "models/words"));
        assertTrue(e.getMessage().contains("not per token"), e.getMessage());
    }

    @Test
    void aFileThatIsNotACaseFileIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.json");
        java.nio.file.Files.writeString(file, "{\"rows\": []}");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CaseFile.read(file));
        assertTrue(e.getMessage().contains("not a case file"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CaseFile.read(dir.resolve("none")));
    }
}
