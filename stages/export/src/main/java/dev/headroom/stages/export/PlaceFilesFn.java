package dev.headroom.stages.export;

import dev.headroom.attention.artifact.ArtifactManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Places one carried file in the export directory and hashes it (the weights are the large part:
 * shards hash in parallel). Emits the file's path in the export and {@code "sha256 how"}, and
 * leaves the same record in {@code .hashes/} for the driver, which writes the manifest.
 */
final class PlaceFilesFn extends DoFn<ModelFiles.Carried, KV<String, String>> {
    private final Counter placed = Metrics.counter(PlaceFilesFn.class, "files_placed");
    private final Counter hashed = Metrics.counter(PlaceFilesFn.class, "bytes_hashed");
    private final String root;

    /** The folder of hash records (dot-named: the manifest skips it, the driver removes it). */
    static final String HASHES = ".hashes";

    /** A record's file name for a target path. */
    static String recordName(String target) {
        return target.replace("%", "%25").replace("/", "%2F");
    }

    static String targetOf(String recordName) {
        return recordName.replace("%2F", "/").replace("%25", "%");
    }

    PlaceFilesFn(Path root) {
        this.root = root.toString();
    }

    @ProcessElement
    public void processElement(
            @Element ModelFiles.Carried c, OutputReceiver<KV<String, String>> out) {
        try {
            Path dir = Path.of(root);
            String how = ModelFiles.place(c, dir);
            Path f = dir.resolve(c.target());
            String sha = ArtifactManifest.sha256(f);
            placed.inc();
            hashed.inc(java.nio.file.Files.size(f));
            String record = sha + " " + how;
            java.nio.file.Files.createDirectories(dir.resolve(HASHES));
            java.nio.file.Files.writeString(
                    dir.resolve(HASHES).resolve(recordName(c.target())), record);
            out.output(KV.of(c.target(), record));
        } catch (IOException e) {
            throw new UncheckedIOException(c.source() + ": cannot place: " + e.getMessage(), e);
        }
    }
}
