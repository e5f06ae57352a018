package dev.headroom.pipeline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.config.ResolvedConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run directory: {@code artifacts/} (resolved config, provenance, the stage ledger, plans) and
 * {@code reports/} (Parquet tables), plus {@code report.html}. Completed stages are recorded in
 * {@code artifacts/stages/NN-name.json} with the hash of their inputs and parameters; a config
 * whose stages differ from the recorded ones is refused.
 */
public final class RunDirectory {

    static final String CONFIG_HASH_FILE = "config.sha256";

    private final Path root;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunDirectory(Path root) {
        this.root = root;
    }

    /**
     * A stage as the run directory records it: position, name and the hash of its inputs and
     * parameters.
     */
    public record StageKey(int index, String name, String hash) {
        String fileName() {
            return String.format("%02d-%s.json", index, name);
        }
    }

    /**
     * Opens {@code config}'s run directory, creating it. A directory that is not a run directory,
     * or whose completed stages were run with other parameters than {@code stages} (by position,
     * name and hash), is refused: the same config resumes, and a config that only adds stages
     * extends the run.
     */
    public static RunDirectory prepare(ResolvedConfig config, List<StageKey> stages) {
        Path root = config.runDirectory();
        RunDirectory dir = new RunDirectory(root);
        try {
            if (Files.isDirectory(root) && !isEmpty(root)) {
                if (!Files.isRegularFile(dir.artifacts().resolve(CONFIG_HASH_FILE))) {
                    throw new HeadroomException(
                            root
                                    + " exists and is not a headroom run directory; set 'output' in "
                                    + config.file().getFileName()
                                    + " to a new directory");
                }
                dir.checkCompleted(config, stages);
            } else if (Files.exists(root) && !Files.isDirectory(root)) {
                throw new HeadroomException(
                        root + " exists and is not a directory; set 'output' to a directory");
            }
            Files.createDirectories(dir.artifacts().resolve("stages"));
            Files.createDirectories(dir.reports());
            dir.writeAtomically(dir.artifacts().resolve(CONFIG_HASH_FILE), config.hash() + "\n");
            dir.writeAtomically(
                    dir.artifacts().resolve("config.yaml"), Files.readString(config.file()));
            dir.writeAtomically(
                    dir.artifacts().resolve("config.resolved.json"), config.canonicalJson() + "\n");
        } catch (IOException e) {
            throw new HeadroomException(
                    root + ": cannot prepare the run directory: " + e.getMessage());
        }
        return dir;
    }

    /**
     * Refuses the directory when a completed stage differs from the config's stage at its position.
     */
    private void checkCompleted(ResolvedConfig config, List<StageKey> stages) throws IOException {
        Path ledger = artifacts().resolve("stages");
        if (!Files.isDirectory(ledger)) {
            return;
        }
        List<Path> records;
        try (Stream<Path> s = Files.list(ledger)) {
            records = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path record : records) {
            JsonNode n = json.readTree(record.toFile());
            int index = n.path("index").asInt(-1);
            String name = n.path("stage").asText();
            String hash = n.path("hash").asText();
            boolean same =
                    index >= 0
                            && index < stages.size()
                            && stages.get(index).name().equals(name)
                            && stages.get(index).hash().equals(hash);
            if (!same) {
                String previous =
                        Files.isRegularFile(artifacts().resolve("config.yaml"))
                                ? root.resolve("artifacts/config.yaml").toString()
                                : "its original config";
                throw new HeadroomException(
                        root
                                + " holds a run of a different config (its stage "
                                + (index + 1)
                                + " '"
                                + name
                                + "' ran with another model, earlier stages or parameters); to resume that run, run "
                                + previous
                                + "; to start a new one, set 'output' in "
                                + config.file().getFileName()
                                + " to another directory or delete "
                                + root);
            }
        }
    }

    /** Empty but for the run lock this run holds. */
    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.noneMatch(p -> !p.getFileName().toString().equals(RunLock.FILE));
        }
    }

    public Path root() {
        return root;
    }

    public Path artifacts() {
        return root.resolve("artifacts");
    }

    public Path reports() {
        return root.resolve("reports");
    }

    public Path reportHtml() {
        return root.resolve("report.html");
    }

    private Path ledgerFile(StageKey stage) {
        return artifacts().resolve("stages").resolve(stage.fileName());
    }

    /** Whether the stage completed with this hash and its outputs are all there. */
    public boolean isComplete(StageKey stage, List<String> outputs) {
        Path f = ledgerFile(stage);
        if (!Files.isRegularFile(f)) {
            return false;
        }
        try {
            String recorded = json.readTree(f.toFile()).path("hash").asText();
            return recorded.equals(stage.hash())
                    && outputs.stream().allMatch(o -> Files.exists(root.resolve(o)));
        } catch (IOException e) {
            return false;
        }
    }

    public void markComplete(StageKey stage, List<String> outputs, Instant started, Instant ended) {
        ObjectNode n = json.createObjectNode();
        n.put("stage", stage.name());
        n.put("index", stage.index());
        n.put("hash", stage.hash());
        n.put("started", started.toString());
        n.put("ended", ended.toString());
        n.putPOJO("outputs", outputs);
        try {
            writeAtomically(ledgerFile(stage), json.writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes to a temporary name in the same directory, then renames into place. */
    public void writeAtomically(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
