package dev.headroom.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.headroom.attention.tokenizer.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenizer.json through DJL's HuggingFaceTokenizer: no special tokens added, and no truncation at
 * 512.
 */
class TokenizerTest {

    @Test
    void encodesLongTextWithoutTruncation(@TempDir Path dir) throws Exception {
        // a minimal word-level tokenizer.json: three words and [UNK], split on whitespace
        Files.writeString(
                dir.resolve("tokenizer.json"),
                """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
                 "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "grass": 1, "is": 2, "green": 3}, "unk_token": "[UNK]"}}
                """);
        try (ModelTokenizer tok = ModelTokenizer.openIfPresent(dir)) {
            assertNotNull(tok);
            int[] ids = tok.encode("grass is green ".repeat(400));
            assertEquals(1200, ids.length, "DJL's default would cut this to 512");
            assertEquals(1, ids[0]);
            assertEquals(0, tok.encode("blue")[0], "unknown words map to [UNK]");
            int[][] offsets = tok.offsets("grass is green");
            assertEquals(6, offsets[1][0]);
            assertEquals(8, offsets[1][1]);
        }
    }
}
