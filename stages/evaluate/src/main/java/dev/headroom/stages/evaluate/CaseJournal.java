package dev.headroom.stages.evaluate;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Each finished case of an evaluate stage, kept as a file while the stage runs, so that a run that
 * is killed mid-stage resumes with the cases not yet done. One file per case, named by the hash of
 * its coordinates and seed and written under a temporary name then renamed, so a file is either
 * whole or absent and a case retried by the runner overwrites its own. The folder is named by the
 * hash of the stage's parameters: a rerun with other parameters starts afresh. It is removed once
 * the stage's tables are written.
 */
final class CaseJournal {
    static final String ROOT = ".evaluate-cases";
    private final Path dir;

    CaseJournal(Path dir) {
        this.dir = dir;
    }

    /** The journal of a stage with these parameters in a run directory. */
    static CaseJournal of(Path runDirectory, EvaluateParams params) {
        return new CaseJournal(
                runDirectory.resolve(ROOT).resolve(hash(params.toString()).substring(0, 16)));
    }

    Path directory() {
        return dir;
    }

    static String key(EvalCase c) {
        return hash(c.coordinates() + " seed=" + c.seed());
    }

    private static String hash(String s) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps one finished case. */
    void write(EvalCase c, CaseResult r) {
        try {
            Files.createDirectories(dir);
            String name = key(c);
            Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp);
                    ObjectOutputStream out = new ObjectOutputStream(os)) {
                out.writeObject(r);
            }
            Files.move(
                    tmp,
                    dir.resolve(name + ".case"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    dir + ": cannot keep a finished case: " + e.getMessage(), e);
        }
    }

    /** The cases kept so far, by {@link #key}. */
    Map<String, CaseResult> read() {
        Map<String, CaseResult> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".case")).sorted().toList()) {
                try (InputStream is = Files.newInputStream(f);
                        ObjectInputStream in = new ObjectInputStream(is)) {
                    String name = f.getFileName().toString();
                    out.put(
                            name.substring(0, name.length() - ".case".length()),
                            (CaseResult) in.readObject());
                } catch (IOException | ClassNotFoundException | ClassCastException e) {
                    // written by another version of headroom: run the case again
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Removes the whole journal (all stages' folders). */
    static void clear(Path runDirectory) {
        Path root = runDirectory.resolve(ROOT);
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
