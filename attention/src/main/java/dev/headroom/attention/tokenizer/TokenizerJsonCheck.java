package dev.headroom.attention.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.headroom.attention.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Checks a {@code tokenizer.json} in Java before the native tokenizers library reads it, and hands
 * it on re-serialized. That library aborts the whole process (a Rust panic) on some malformed files
 * instead of returning an error: invalid JSON inside a component, or a component of a kind it does
 * not know (found by {@code TokenizerFuzzTest}). So the file must be strict JSON, an object with a
 * {@code model}, and every component ({@code normalizer}, {@code pre_tokenizer}, {@code
 * post_processor}, {@code decoder}, and those nested in a {@code Sequence}) null or an object whose
 * {@code type} is one the library knows.
 */
final class TokenizerJsonCheck {

    /** The largest tokenizer.json read (a 128K-word BPE vocabulary with merges is about 20 MB). */
    static final long MAX_BYTES = 256L << 20;

    private static final ObjectMapper JSON =
            JsonMapper.builder().build(); // strict JSON: no comments, no control characters

    static {
        JSON.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /** Component key -> (the key of its nested list in a Sequence, the kinds the library knows). */
    private record Kinds(String sequenceKey, Set<String> types) {}

    private static final Map<String, Kinds> COMPONENTS =
            Map.of(
                    "normalizer",
                    new Kinds(
                            "normalizers",
                            Set.of(
                                    "BertNormalizer",
                                    "Strip",
                                    "StripAccents",
                                    "NFC",
                                    "NFD",
                                    "NFKC",
                                    "NFKD",
                                    "Sequence",
                                    "Lowercase",
                                    "Nmt",
                                    "Precompiled",
                                    "Replace",
                                    "Prepend",
                                    "ByteLevel")),
                    "pre_tokenizer",
                    new Kinds(
                            "pretokenizers",
                            Set.of(
                                    "BertPreTokenizer",
                                    "ByteLevel",
                                    "Delimiter",
                                    "Metaspace",
                                    "Whitespace",
                                    "Sequence",
                                    "Split",
                                    "Punctuation",
                                    "WhitespaceSplit",
                                    "Digits",
                                    "UnicodeScripts",
                                    "FixedLength")),
                    "post_processor",
                    new Kinds(
                            "processors",
                            Set.of(
                                    "RobertaProcessing",
                                    "BertProcessing",
                                    "ByteLevel",
                                    "TemplateProcessing",
                                    "Sequence")),
                    "decoder",
                    new Kinds(
                            "decoders",
                            Set.of(
                                    "BPEDecoder",
                                    "ByteLevel",
                                    "WordPiece",
                                    "Metaspace",
                                    "CTC",
                                    "Sequence",
                                    "Replace",
                                    "Fuse",
                                    "Strip",
                                    "ByteFallback")));

    private static final Set<String> MODELS = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");

    private TokenizerJsonCheck() {}

    /** The file's JSON, checked and re-serialized, or a one-line refusal naming the place. */
    static String checked(Path file) {
        JsonNode root;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES)
                throw new CheckpointException(
                        file,
                        size + " bytes, more than the " + MAX_BYTES + " a tokenizer may have");
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            throw new CheckpointException(
                    file,
                    (l == null
                                    ? ""
                                    : "line "
                                            + l.getLineNr()
                                            + ", column "
                                            + l.getColumnNr()
                                            + ": ")
                            + "not valid JSON: "
                            + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject())
            throw new CheckpointException(file, "not a JSON object");
        JsonNode model = root.get("model");
        if (model == null || !model.isObject())
            throw new CheckpointException(file, "'model' is missing or not an object");
        JsonNode type = model.get("type");
        if (type != null && !(type.isTextual() && MODELS.contains(type.asText())))
            throw new CheckpointException(
                    file,
                    "model.type " + type + " is not one of " + new java.util.TreeSet<>(MODELS));
        COMPONENTS.forEach((key, kinds) -> component(file, key, root.get(key), kinds, 0));
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "cannot re-serialize: " + e.getOriginalMessage());
        }
    }

    private static void component(Path file, String where, JsonNode c, Kinds kinds, int depth) {
        if (c == null || c.isNull()) return;
        if (!c.isObject()) throw new CheckpointException(file, where + " is not an object or null");
        JsonNode type = c.get("type");
        if (type == null || !type.isTextual() || !kinds.types().contains(type.asText()))
            throw new CheckpointException(
                    file,
                    where
                            + ".type "
                            + type
                            + " is not one of "
                            + new java.util.TreeSet<>(kinds.types()));
        if (type.asText().equals("Sequence")) {
            JsonNode list = c.get(kinds.sequenceKey());
            if (list == null || !list.isArray())
                throw new CheckpointException(
                        file, where + "." + kinds.sequenceKey() + " is missing or not a list");
            if (depth > 8)
                throw new CheckpointException(file, where + ": Sequences nested too deep");
            for (int i = 0; i < list.size(); i++)
                component(
                        file,
                        where + "." + kinds.sequenceKey() + "[" + i + "]",
                        list.get(i),
                        kinds,
                        depth + 1);
        }
    }
}
