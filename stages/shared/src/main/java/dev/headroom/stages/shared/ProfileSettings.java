package dev.headroom.stages.shared;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the profile stage measured with, written beside its table as {@code artifacts/profile.json}
 * so that the stages reading {@code profile_heads} (search) use the same sink, bins and BOS
 * handling without knowing the profile stage's params.
 *
 * @param sink initial tokens every sparse pattern keeps
 * @param block width of the key-distance bins influence is summed into
 * @param addBos whether the model's BOS id was prepended
 */
public record ProfileSettings(int sink, int block, boolean addBos) {
    public static final String FILE = "profile.json";

    public void write(Path artifacts) throws IOException {
        Files.createDirectories(artifacts);
        AtomicFiles.write(
                artifacts.resolve(FILE),
                tmp ->
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValue(tmp.toFile(), new Json(sink, block, addBos)));
    }

    public static ProfileSettings read(Path artifacts) {
        Path f = artifacts.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new HeadroomException(
                    f
                            + ": not found; the search stage needs a profile stage before it ('- stage: profile')");
        }
        try {
            Json j = new ObjectMapper().readValue(f.toFile(), Json.class);
            return new ProfileSettings(j.sink, j.block, j.add_bos);
        } catch (IOException e) {
            throw new HeadroomException(
                    f + ": cannot read: " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /** The file's shape, with its snake_case keys. */
    private record Json(int sink, int block, boolean add_bos) {}
}
