package dev.headroom.attention.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model's identity for plans and resume hashes: the sha256 of its config.json bytes, or for an
 * exported model (a config.json with a {@code headroom} block) the sha256 it records of its source
 * checkpoint's config.json, so that plans made for the source apply to the export and back.
 */
public final class ModelIdentity {
    private ModelIdentity() {}

    public static String configHash(Path modelDir) {
        Path f = modelDir.resolve("config.json");
        try {
            JsonNode block = headroomBlock(modelDir);
            if (block != null && block.path("source_config_sha256").asText("").length() == 64)
                return block.get("source_config_sha256").asText();
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (IOException e) {
            throw new HeadroomException(f + ": cannot read: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code headroom} block of a model directory's config.json (an exported model), or null
     * when it has none or the file is not readable JSON (the checkpoint reader says why).
     */
    public static JsonNode headroomBlock(Path modelDir) {
        try {
            JsonNode b = new ObjectMapper().readTree(modelDir.resolve("config.json").toFile());
            b = b == null ? null : b.get("headroom");
            return b != null && b.isObject() ? b : null;
        } catch (IOException e) {
            return null;
        }
    }
}
