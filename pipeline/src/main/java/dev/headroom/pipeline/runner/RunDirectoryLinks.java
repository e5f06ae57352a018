package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ArtifactManifest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Refuses a run directory holding a symbolic link that points out of it: the run writes only inside
 * its directory, and a link would carry a write elsewhere. The one kind allowed is a weight file
 * the export stage linked into {@code artifacts/model/} (listed in that directory's manifest; the
 * export links weights symbolically when a hard link cannot cross file systems).
 */
final class RunDirectoryLinks {

    /** Where the export stage places the model, relative to the run directory. */
    static final Path EXPORTED_MODEL = Path.of("artifacts", "model");

    private RunDirectoryLinks() {}

    /** Walks {@code root} without following links; the first link out of it is refused. */
    static void refuseLinksOut(Path root) {
        if (!Files.isDirectory(root)) return;
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            throw new HeadroomException(
                    root + ": cannot read the run directory: " + e.getMessage());
        }
        Set<String> exported = exportedFiles(real);
        try {
            Files.walkFileTree(
                    real, // the run directory itself may be a link: the user chose it
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes a)
                                throws IOException {
                            if (a.isSymbolicLink()) check(real, f, exported);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new HeadroomException(
                    root + ": cannot read the run directory: " + e.getMessage());
        }
    }

    private static void check(Path realRoot, Path link, Set<String> exported) throws IOException {
        Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
        Path resolved =
                Files.exists(target) ? target.toRealPath() : target.toAbsolutePath().normalize();
        if (resolved.startsWith(realRoot)) return;
        Path relative = realRoot.relativize(link);
        boolean exportedWeight =
                relative.startsWith(EXPORTED_MODEL)
                        && Files.isRegularFile(resolved, LinkOption.NOFOLLOW_LINKS)
                        && exported.contains(
                                EXPORTED_MODEL.relativize(relative).toString().replace('\\', '/'));
        if (exportedWeight) return;
        throw new HeadroomException(
                link
                        + ": a symbolic link in the run directory points out of it (to "
                        + resolved
                        + "); headroom writes only inside "
                        + realRoot
                        + ": remove the link, or set 'output' to another directory");
    }

    /** The files the export's manifest lists, or none. */
    private static Set<String> exportedFiles(Path root) {
        Path dir = root.resolve(EXPORTED_MODEL);
        if (!Files.isRegularFile(dir.resolve(ArtifactManifest.FILE), LinkOption.NOFOLLOW_LINKS))
            return Set.of();
        try {
            return ArtifactManifest.read(dir).stream()
                    .map(ArtifactManifest.Entry::path)
                    .collect(Collectors.toSet());
        } catch (HeadroomException e) {
            return Set.of(); // an unreadable manifest vouches for nothing
        }
    }
}
