package dev.headroom.attention.plan;

import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A model's identity for plans and resume hashes: the sha256 of its config.json bytes. */
public final class ModelIdentity {
    private ModelIdentity() {}

    public static String configHash(Path modelDir) {
        Path f = modelDir.resolve("config.json");
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (IOException e) {
            throw new HeadroomException(f + ": cannot read: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
