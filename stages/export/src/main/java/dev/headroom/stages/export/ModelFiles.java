package dev.headroom.stages.export;

import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.attention.artifact.ModelArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which files of a source checkpoint an export carries, and how: the weights (safetensors and their
 * index) linked or copied, the tokenizer and generation files copied. {@code config.json} is
 * written anew, and an exported source's own headroom files are replaced by this run's.
 */
final class ModelFiles {
    private ModelFiles() {}

    /** How a file reaches the export. */
    enum Placement {
        /** Copied byte for byte. */
        COPY,
        /** Hard-linked, or linked symbolically where the file systems differ. */
        LINK
    }

    /**
     * One file to place.
     *
     * @param source absolute path in the source model
     * @param target path relative to the export, {@code /}-separated
     */
    record Carried(String source, String target, Placement placement) implements Serializable {}

    private static final Set<String> REWRITTEN =
            Set.of(
                    "config.json",
                    ArtifactManifest.FILE,
                    "README.md",
                    ModelArtifact.PLAN_FILE,
                    ModelArtifact.KV_QUANT_FILE);

    private static boolean tokenizerOrGeneration(String name) {
        return name.startsWith("tokenizer")
                || name.equals("special_tokens_map.json")
                || name.equals("generation_config.json")
                || name.equals("vocab.json")
                || name.equals("merges.txt")
                || name.endsWith(".model");
    }

    private static boolean weights(String name) {
        return name.endsWith(".safetensors") || name.equals("model.safetensors.index.json");
    }

    /** The files of {@code model} to carry; weights linked unless {@code portable}. */
    static List<Carried> of(Path model, boolean portable) throws IOException {
        List<Carried> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(model)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (!Files.isRegularFile(p) || REWRITTEN.contains(name)) continue;
                if (weights(name))
                    out.add(
                            new Carried(
                                    p.toAbsolutePath().toString(),
                                    name,
                                    portable ? Placement.COPY : Placement.LINK));
                else if (tokenizerOrGeneration(name))
                    out.add(new Carried(p.toAbsolutePath().toString(), name, Placement.COPY));
            }
        }
        return out;
    }

    /**
     * Places one file under {@code root} and returns how it got there: "copied", "hard-linked" or
     * "linked" (symbolically).
     */
    static String place(Carried c, Path root) throws IOException {
        Path source = Path.of(c.source()), target = root.resolve(c.target());
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        if (c.placement() == Placement.COPY) {
            Files.copy(source, target);
            return "copied";
        }
        Path real = source.toRealPath();
        try {
            Files.createLink(target, real);
            return "hard-linked";
        } catch (IOException | UnsupportedOperationException e) {
            Files.createSymbolicLink(target, real);
            return "linked";
        }
    }
}
