package dev.headroom.attention.policy;

import dev.headroom.attention.HeadroomException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Finds the files a policy learned (feature maps, quantization tables) by their path in the run
 * directory, and loads each once per JVM: policies stay small serializable descriptions, and
 * workers share what they load.
 */
public interface ArtifactResolver {

    /** The file at {@code relativePath}. */
    Path resolve(String relativePath);

    /**
     * The artifact at {@code relativePath} read by {@code loader}, loaded on first use in this JVM.
     */
    <T> T load(String relativePath, Class<T> type, Function<Path, T> loader);

    /** For policies that need no artifacts: any request is refused with one line. */
    ArtifactResolver NONE =
            new ArtifactResolver() {
                @Override
                public Path resolve(String relativePath) {
                    throw new HeadroomException(
                            "artifact "
                                    + relativePath
                                    + " was asked for, but this run has no run directory");
                }

                @Override
                public <T> T load(String relativePath, Class<T> type, Function<Path, T> loader) {
                    return type.cast(resolve(relativePath));
                }
            };

    /** Artifacts under {@code root} (a run directory), cached per JVM by absolute path and type. */
    static ArtifactResolver under(Path root) {
        return new DirectoryArtifacts(root, "");
    }

    /**
     * Artifacts under {@code root} with {@code prefix} dropped from the paths asked for: an
     * exported model holds {@code linear/...} where a run directory holds {@code
     * artifacts/linear/...}.
     */
    static ArtifactResolver under(Path root, String prefix) {
        return new DirectoryArtifacts(root, prefix);
    }

    /** The per-JVM cache behind {@link #under}. */
    final class DirectoryArtifacts implements ArtifactResolver {
        private static final Map<String, Object> LOADED = new ConcurrentHashMap<>();
        private final Path root;
        private final String prefix;

        private DirectoryArtifacts(Path root, String prefix) {
            this.root = root.toAbsolutePath().normalize();
            this.prefix = prefix;
        }

        @Override
        public Path resolve(String relativePath) {
            String rel =
                    !prefix.isEmpty() && relativePath.startsWith(prefix)
                            ? relativePath.substring(prefix.length())
                            : relativePath;
            Path p = root.resolve(rel).normalize();
            if (!p.startsWith(root))
                throw new HeadroomException(
                        relativePath + ": artifact path leaves the run directory " + root);
            return p;
        }

        @Override
        public <T> T load(String relativePath, Class<T> type, Function<Path, T> loader) {
            Path p = resolve(relativePath);
            return type.cast(
                    LOADED.computeIfAbsent(type.getName() + "@" + p, k -> loader.apply(p)));
        }
    }
}
