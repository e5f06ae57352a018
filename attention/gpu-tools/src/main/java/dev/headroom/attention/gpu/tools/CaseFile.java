package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.runtime.TextCodec;
import dev.headroom.eval.task.FirstIntegerMatch;
import dev.headroom.eval.task.NeedleSpan;
import dev.headroom.eval.task.Scorer;
import dev.headroom.eval.task.Scoring;
import dev.headroom.eval.task.StringMatchAll;
import dev.headroom.eval.task.TaskCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Evaluation cases made where the model's tokenizer runs (the CPU machine), for a machine whose
 * slim classpath has none (the GPU machine): each {@link TaskCase} as JSON with its prompt's token
 * ids as the real tokenizer encoded them, and every vocabulary id's decoded text. {@link Codec}
 * replays them: {@code encode} returns the recorded ids of a recorded prompt (any other text is
 * refused), {@code decode} joins the ids' texts. That is the tokenizer's own decode only where
 * decoding is per token (a word-level tokenizer like the demo model's); {@link #write} checks it on
 * the prompts and on random id sequences and refuses a tokenizer where it fails.
 */
final class CaseFile {
    private CaseFile() {}

    /** Random sequences the per-token decode is checked on, and their length. */
    private static final int CHECKS = 2000, CHECK_LENGTH = 16;

    static void write(Path file, List<TaskCase> cases, TextCodec codec, int vocab, String model)
            throws IOException {
        String[] pieces = new String[vocab];
        for (int id = 0; id < vocab; id++) pieces[id] = codec.decode(new int[] {id});
        Random random = new Random(1);
        List<int[]> checks = new ArrayList<>();
        for (int i = 0; i < CHECKS; i++) {
            int[] ids = new int[1 + random.nextInt(CHECK_LENGTH)];
            for (int j = 0; j < ids.length; j++) ids[j] = random.nextInt(vocab);
            checks.add(ids);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("model", model);
        root.put("vocab", vocab);
        ArrayNode decode = root.putArray("decode");
        for (String p : pieces) decode.add(p);
        ArrayNode out = root.putArray("cases");
        for (TaskCase c : cases) {
            ObjectNode n = out.addObject();
            n.put("task", c.task());
            n.put("target_length", c.targetLength());
            n.put("depth", c.depth());
            n.put("sample", c.sampleIndex());
            n.put("seed", c.seed());
            n.put("prompt_tokens", c.promptTokens());
            n.put("max_new_tokens", c.maxNewTokens());
            n.set("answers", json.valueToTree(c.answers()));
            n.put("reference_completion", c.referenceCompletion());
            n.set("target_positions", json.valueToTree(c.targetPositions()));
            n.set("expected_ids", json.valueToTree(c.expectedIds()));
            ArrayNode spans = n.putArray("needle_spans");
            for (NeedleSpan s : c.needleSpans()) spans.addArray().add(s.start()).add(s.end());
            if (c.prompt() != null) {
                int[] ids = codec.encode(c.prompt());
                checks.add(ids);
                n.put("prompt", c.prompt());
                n.set("prompt_encoded", json.valueToTree(ids));
                n.put(
                        "scoring",
                        "generate:" + ((Scoring.GenerateAndMatch) c.scoring()).scorer().name());
            } else {
                n.set("prompt_ids", json.valueToTree(c.promptIds()));
                n.put("scoring", c.scoring().ruleName());
            }
        }
        for (int[] ids : checks) {
            String whole = codec.decode(ids), joined = join(pieces, ids);
            if (!whole.equals(joined))
                throw new HeadroomException(
                        model
                                + ": the tokenizer's decode is not per token ("
                                + java.util.Arrays.toString(ids)
                                + " decodes to '"
                                + whole
                                + "', its tokens to '"
                                + joined
                                + "'); its text cases cannot be replayed without it");
        }
        json.writeValue(file.toFile(), root);
    }

    private static String join(String[] pieces, int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            if (id < 0 || id >= pieces.length)
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary");
            b.append(pieces[id]);
        }
        return b.toString();
    }

    /** The cases of a file and its replaying codec. */
    record Read(List<TaskCase> cases, Codec codec, String model) {}

    static Read read(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException("no such case file: " + file);
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (root == null || !root.has("cases") || !root.has("decode"))
            throw new IllegalArgumentException(file + ": not a case file (no cases or decode)");
        String[] pieces = new String[root.get("decode").size()];
        for (int i = 0; i < pieces.length; i++) pieces[i] = root.get("decode").get(i).asText();
        Map<String, int[]> encoded = new HashMap<>();
        List<TaskCase> cases = new ArrayList<>();
        for (JsonNode n : root.get("cases")) {
            String prompt = n.hasNonNull("prompt") ? n.get("prompt").asText() : null;
            String scoring = n.get("scoring").asText();
            List<NeedleSpan> spans = new ArrayList<>();
            for (JsonNode s : n.get("needle_spans"))
                spans.add(new NeedleSpan(s.get(0).asInt(), s.get(1).asInt()));
            List<String> answers = new ArrayList<>();
            for (JsonNode a : n.get("answers")) answers.add(a.asText());
            Scoring rule;
            if (scoring.startsWith("generate:")) {
                rule = new Scoring.GenerateAndMatch(scorer(scoring.substring(9)));
                encoded.put(prompt, ints(n.get("prompt_encoded")));
            } else if (scoring.equals(new Scoring.TeacherForcedArgmax().ruleName())) {
                rule = new Scoring.TeacherForcedArgmax();
            } else if (scoring.equals(new Scoring.CompareToDense().ruleName())) {
                rule = new Scoring.CompareToDense();
            } else {
                throw new IllegalArgumentException(file + ": unknown scoring '" + scoring + "'");
            }
            cases.add(
                    new TaskCase(
                            n.get("task").asText(),
                            n.get("target_length").asInt(),
                            n.get("depth").asDouble(),
                            n.get("sample").asInt(),
                            n.get("seed").asLong(),
                            prompt,
                            prompt == null ? ints(n.get("prompt_ids")) : null,
                            n.get("prompt_tokens").asInt(),
                            answers,
                            n.hasNonNull("reference_completion")
                                    ? n.get("reference_completion").asText()
                                    : null,
                            ints(n.get("target_positions")),
                            ints(n.get("expected_ids")),
                            n.get("max_new_tokens").asInt(),
                            spans,
                            rule));
        }
        return new Read(cases, new Codec(encoded, pieces), root.path("model").asText());
    }

    private static Scorer scorer(String name) {
        if (name.equals(FirstIntegerMatch.NAME)) return new FirstIntegerMatch();
        if (name.equals(StringMatchAll.NAME)) return new StringMatchAll();
        throw new IllegalArgumentException("unknown scorer '" + name + "'");
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** The recorded encodings and per-token texts of a case file, as a {@link TextCodec}. */
    static final class Codec implements TextCodec {
        private final Map<String, int[]> encoded;
        private final String[] pieces;

        Codec(Map<String, int[]> encoded, String[] pieces) {
            this.encoded = encoded;
            this.pieces = pieces;
        }

        @Override
        public int[] encode(String text) {
            int[] ids = encoded.get(text);
            if (ids == null)
                throw new IllegalArgumentException(
                        "the case file recorded no encoding of this text ("
                                + text.length()
                                + " characters)");
            return ids.clone();
        }

        @Override
        public String decode(int[] ids) {
            return join(pieces, ids);
        }

        @Override
        public int[][] offsets(String text) {
            throw new UnsupportedOperationException("a case file records no token offsets");
        }
    }
}
