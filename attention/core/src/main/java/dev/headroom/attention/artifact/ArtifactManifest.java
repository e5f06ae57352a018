package dev.headroom.attention.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code manifest.json} of an exported model directory: the size and sha256 of every file in it
 * (links followed, so hard-linked weights are hashed by content), checked before the directory is
 * used. A file that is missing, or whose bytes changed since the export, is refused with one line
 * naming it.
 */
public final class ArtifactManifest {
    public static final String FILE = "manifest.json", FORMAT = "headroom-artifact-manifest";

    /** One file: its path relative to the directory ({@code /}-separated), bytes and sha256. */
    public record Entry(String path, long bytes, String sha256) {}

    private ArtifactManifest() {}

    /** The sha256 of a file's bytes, as lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Every regular file under {@code dir} but the manifest, sorted by path. */
    public static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals(FILE) && !p.startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /**
     * Writes the manifest of {@code dir}, taking the hashes already known ({@code path -> sha256},
     * e.g. computed in parallel while the files were placed) and hashing the rest.
     */
    public static List<Entry> write(Path dir, Map<String, String> known) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String p : files(dir)) {
            Path f = dir.resolve(p);
            String h = known.containsKey(p) ? known.get(p) : sha256(f);
            entries.add(new Entry(p, Files.size(f), h));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", 1);
        List<Map<String, Object>> files = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", e.path());
            m.put("bytes", e.bytes());
            m.put("sha256", e.sha256());
            files.add(m);
        }
        root.put("files", files);
        AtomicFiles.writeJson(dir.resolve(FILE), root);
        return entries;
    }

    /** The entries of {@code dir}'s manifest, refusing a missing or malformed one. */
    public static List<Entry> read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f))
            throw new HeadroomException(
                    f + ": missing; an exported headroom model lists its files there");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new HeadroomException(f + ": not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (!FORMAT.equals(root.path("format").asText()))
            throw new HeadroomException(f + ": not a " + FORMAT + " file");
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        for (JsonNode n : root.path("files")) {
            String where = f + ": files[" + i++ + "]";
            String p = n.path("path").asText("");
            String h = n.path("sha256").asText("");
            if (p.isEmpty() || h.length() != 64 || !n.path("bytes").canConvertToLong())
                throw new HeadroomException(where + ": needs path, bytes and a sha256");
            Path resolved = dir.resolve(p).normalize();
            if (!resolved.startsWith(dir.normalize()))
                throw new HeadroomException(where + ": " + p + " leaves the directory");
            entries.add(new Entry(p, n.get("bytes").asLong(), h));
        }
        if (entries.isEmpty()) throw new HeadroomException(f + ": lists no files");
        return entries;
    }

    /**
     * Checks every listed file against its size and sha256; the first that differs is refused with
     * one line naming it.
     */
    public static void verify(Path dir) {
        for (Entry e : read(dir)) {
            Path f = dir.resolve(e.path());
            if (!Files.isRegularFile(f))
                throw new HeadroomException(f + ": missing (listed in " + FILE + ")");
            try {
                long bytes = Files.size(f);
                if (bytes != e.bytes())
                    throw new HeadroomException(
                            f
                                    + ": modified since the export ("
                                    + bytes
                                    + " bytes, "
                                    + FILE
                                    + " says "
                                    + e.bytes()
                                    + ")");
                String h = sha256(f);
                if (!h.equals(e.sha256()))
                    throw new HeadroomException(
                            f
                                    + ": modified since the export (sha256 "
                                    + h.substring(0, 12)
                                    + "..., "
                                    + FILE
                                    + " says "
                                    + e.sha256().substring(0, 12)
                                    + "...)");
            } catch (IOException x) {
                throw new HeadroomException(f + ": cannot read: " + x.getMessage());
            }
        }
    }
}
