package dev.headroom.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.eval.task.TaskVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo model's word-level tokenizer, in the SentencePiece manner: a space becomes "▁" and stays
 * attached to the word after it, so decoding is exact ("The pass key is 71432." comes back as
 * written). Letter runs are one token, every digit is its own token, every other character too;
 * "\n" is a token.
 *
 * <p>The same rules are written twice, on purpose: once here in Java (fast, for making training
 * data) and once as a Hugging Face {@code tokenizer.json} (normalizer Replace " " -> "▁", Split
 * pre-tokenizer with {@link #PIECE}, WordLevel model, Metaspace decoder) that the runtime reads
 * through DJL. A test checks that both agree.
 *
 * <p>Ids: 0 [UNK], 1 &lt;s&gt;, 2 &lt;/s&gt;, 3 &lt;pad&gt;, 4 "\n", 5 a lone "▁", then each word
 * of {@link TaskVocabulary#allWords()} twice: with the space mark ("▁key") and bare ("key", after a
 * newline or a bracket).
 */
public final class WordTokenizer {
    public static final String SPACE = "\u2581";
    public static final String UNK = "[UNK]", BOS = "<s>", EOS = "</s>", PAD = "<pad>";
    public static final int UNK_ID = 0, BOS_ID = 1, EOS_ID = 2, PAD_ID = 3;

    /**
     * One token: an optional space mark and a letter run, a digit or one other character; or a
     * newline.
     */
    static final String PIECE =
            SPACE + "?[A-Za-z]+|" + SPACE + "?[0-9]|\n|" + SPACE + "?[^" + SPACE + "\\sA-Za-z0-9]";

    private static final Pattern PIECE_PATTERN = Pattern.compile(PIECE);

    private final List<String> tokens; // id -> token
    private final Map<String, Integer> ids; // token -> id

    private WordTokenizer(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        this.ids = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
    }

    /** The vocabulary of the task templates (see the class comment for the id layout). */
    public static WordTokenizer forTasks() {
        List<String> t = new ArrayList<>(List.of(UNK, BOS, EOS, PAD, "\n", SPACE));
        List<String> words = TaskVocabulary.allWords();
        for (String w : words) t.add(SPACE + w);
        for (String w : words) t.add(w);
        return new WordTokenizer(t);
    }

    public int vocabSize() {
        return tokens.size();
    }

    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null)
            throw new IllegalArgumentException("not in the vocabulary: '" + token + "'");
        return id;
    }

    public String token(int id) {
        return tokens.get(id);
    }

    /**
     * The pieces the pre-tokenizer makes; text between matches (e.g. a tab, a second space) is a
     * piece of its own.
     */
    static List<String> pieces(String text) {
        String s = text.replace(" ", SPACE);
        List<String> out = new ArrayList<>();
        Matcher m = PIECE_PATTERN.matcher(s);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) out.add(s.substring(at, m.start()));
            out.add(m.group());
            at = m.end();
        }
        if (at < s.length()) out.add(s.substring(at));
        return out;
    }

    public int[] encode(String text) {
        List<String> p = pieces(text);
        int[] out = new int[p.size()];
        for (int i = 0; i < out.length; i++) out[i] = ids.getOrDefault(p.get(i), UNK_ID);
        return out;
    }

    /**
     * Tokens of {@code text}: what {@link #encode} returns, counted without the vocabulary
     * look-ups.
     */
    public int count(String text) {
        return pieces(text).size();
    }

    /** Joins tokens and turns space marks back into spaces; special tokens are dropped. */
    public String decode(int[] tokenIds) {
        StringBuilder sb = new StringBuilder();
        for (int id : tokenIds) {
            if (id <= PAD_ID) continue;
            sb.append(tokens.get(id));
        }
        return sb.toString().replace(SPACE, " ");
    }

    /** The Hugging Face tokenizer.json for this vocabulary. */
    public ObjectNode toJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id <= PAD_ID; id++) {
            ObjectNode a = added.addObject();
            a.put("id", id)
                    .put("content", tokens.get(id))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Replace");
        norm.putObject("pattern").put("String", " ");
        norm.put("content", SPACE);
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Split");
        pre.putObject("pattern").put("Regex", PIECE);
        pre.put("behavior", "Isolated").put("invert", false);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Metaspace")
                .put("replacement", SPACE)
                .put("prepend_scheme", "never")
                .put("split", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        model.put("unk_token", UNK);
        return root;
    }

    /** Writes tokenizer.json atomically (temporary name, then rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeJson(file, toJson());
    }
}
