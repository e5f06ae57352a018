package dev.headroom.pipeline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.pipeline.config.ResolvedConfig;
import dev.headroom.pipeline.config.RunnerKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a run's results came from: config hash, model fingerprint, code version (git commit and
 * whether the tree was modified), Java and library versions, runner, start and end times, and what
 * each stage did. {@code artifacts/provenance.json} describes the run that made the results: it is
 * written when a run starts its first stage that is not already complete, after each stage, and at
 * the end. A rerun that finds every stage complete leaves it as it is and appends one line to
 * {@code artifacts/provenance-history.jsonl} ({@code "event": "rerun"}); a later run that does run
 * stages (a resume, or a config that appends stages) first appends the provenance it replaces there
 * ({@code "event": "superseded"}). The history is append-only JSON lines.
 */
public final class Provenance {

    public static final String FILE = "provenance.json";
    public static final String HISTORY_FILE = "provenance-history.jsonl";

    private static final Pattern JAR_VERSION = Pattern.compile("-(\\d[\\w.\\-]*)\\.jar$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Provenance() {}

    public static String json(
            ResolvedConfig config,
            Instant started,
            Instant ended,
            Map<String, String> stageStatus) {
        try {
            return JSON.writerWithDefaultPrettyPrinter()
                            .writeValueAsString(node(config, started, ended, stageStatus))
                    + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode node(
            ResolvedConfig config,
            Instant started,
            Instant ended,
            Map<String, String> stageStatus) {
        ObjectNode n = JSON.createObjectNode();
        n.put("config_file", config.file().toString());
        n.put("config_hash", config.hash());
        n.put("model", config.model().directory().toString());
        n.put("model_fingerprint", modelFingerprint(config.model().directory()));
        n.put("code_version", codeVersion());
        n.put(
                "java",
                System.getProperty("java.vendor")
                        + " "
                        + System.getProperty("java.runtime.version"));
        n.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        n.putPOJO("libraries", libraries());
        n.put("runner", config.runner().nameOrDefault().word());
        n.put("parallelism", config.runner().parallelismOrDefault());
        if (config.runner().nameOrDefault() == RunnerKind.FLINK) {
            n.put("flink_master", config.runner().flinkMasterOrDefault());
        }
        n.put("started", started.toString());
        if (ended != null) {
            n.put("ended", ended.toString());
        }
        n.putPOJO("stages", stageStatus);
        return n;
    }

    /**
     * One history line for a rerun that found every stage complete (provenance.json is left as it
     * is).
     */
    public static String rerun(
            ResolvedConfig config,
            Instant started,
            Instant ended,
            Map<String, String> stageStatus) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", "rerun");
        n.put(
                "note",
                "every stage was complete; nothing ran and "
                        + FILE
                        + " still describes the run that made the results");
        n.setAll(node(config, started, ended, stageStatus));
        return compact(n);
    }

    /**
     * Before a run that makes results replaces {@code provenance}: appends the current one, if any,
     * to {@code history} as {@code "event": "superseded"}.
     */
    public static void supersede(Path provenance, Path history, Instant newRunStarted) {
        if (!Files.isRegularFile(provenance)) {
            return;
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("event", "superseded");
        n.put("superseded_by_run_started", newRunStarted.toString());
        JsonNode old = read(provenance);
        if (old instanceof ObjectNode o) {
            n.setAll(o);
        } else {
            n.put("unreadable", provenance.toString());
        }
        appendHistory(history, compact(n));
    }

    /** The provenance file as JSON, or null when it is absent or unreadable. */
    public static JsonNode read(Path provenance) {
        try {
            return Files.isRegularFile(provenance) ? JSON.readTree(provenance.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Appends one line (one JSON object) to the history file. */
    public static void appendHistory(Path history, String line) {
        try {
            Files.createDirectories(history.getParent());
            Files.writeString(
                    history,
                    line.strip() + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String compact(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 over config.json and the names, sizes and modification times of the weight files. */
    public static String modelFingerprint(Path modelDir) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(Files.readAllBytes(modelDir.resolve("config.json")));
            try (Stream<Path> files = Files.list(modelDir)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".safetensors") || name.equals("tokenizer.json")) {
                        d.update(
                                (name
                                                + ":"
                                                + Files.size(f)
                                                + ":"
                                                + Files.getLastModifiedTime(f).toMillis()
                                                + "\n")
                                        .getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * {@code git:<commit>[+modified]} of the tree the code was built from, else the project
     * version.
     */
    public static String codeVersion() {
        Path start = codeLocation();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                String commit = git(p, "rev-parse", "HEAD");
                if (commit != null) {
                    String status = git(p, "status", "--porcelain", "--untracked-files=no");
                    return "git:"
                            + commit
                            + (status != null && !status.isBlank() ? "+modified" : "");
                }
            }
        }
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    private static Path codeLocation() {
        try {
            return Path.of(
                            Provenance.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI())
                    .toAbsolutePath();
        } catch (Exception e) {
            return Path.of("").toAbsolutePath();
        }
    }

    private static String git(Path dir, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Map<String, String> libraries() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("beam", org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion());
        v.put("flink", versionOf("org.apache.flink.runtime.util.EnvironmentInformation"));
        v.put("djl", versionOf("ai.djl.engine.Engine"));
        v.put("jackson", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        v.put("avro", versionOf("org.apache.avro.Schema"));
        v.put("parquet", versionOf("org.apache.parquet.avro.AvroParquetReader"));
        v.put("hadoop", versionOf("org.apache.hadoop.conf.Configuration"));
        return v;
    }

    /** The implementation version of a class's package, else the version in its jar's file name. */
    static String versionOf(String className) {
        try {
            Class<?> c = Class.forName(className, false, Provenance.class.getClassLoader());
            String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
            if (v != null) {
                return v;
            }
            String jar = c.getProtectionDomain().getCodeSource().getLocation().getPath();
            Matcher m = JAR_VERSION.matcher(jar);
            return m.find() ? m.group(1) : "unknown";
        } catch (ClassNotFoundException | RuntimeException e) {
            return "absent";
        }
    }
}
