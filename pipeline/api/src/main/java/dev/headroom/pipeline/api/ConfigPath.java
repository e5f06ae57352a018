package dev.headroom.pipeline.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * A file or directory named in a config, bound as an absolute path string. Relative paths resolve
 * against the directory of the config file, which the loader passes as the deserialization
 * attribute {@link #BASE}; without it (a canonical config read back, whose paths are already
 * absolute) the value is kept as written. Config records mark such components with
 * {@code @JsonDeserialize(using = ConfigPath.Resolver.class)}.
 */
public final class ConfigPath {

    /** The deserialization attribute holding the config file's directory (a {@link Path}). */
    public static final String BASE = "headroom.config-directory";

    private ConfigPath() {}

    /** A config record's component that names a file or directory. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target({
        java.lang.annotation.ElementType.FIELD,
        java.lang.annotation.ElementType.PARAMETER,
        java.lang.annotation.ElementType.METHOD,
        java.lang.annotation.ElementType.RECORD_COMPONENT
    })
    @com.fasterxml.jackson.annotation.JacksonAnnotationsInside
    @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Resolver.class)
    public @interface Relative {}

    /** {@code path} against {@code base} (absolute, normalized); a blank path stays as it is. */
    public static String resolve(Path base, String path) {
        if (path == null || path.isBlank() || base == null) return path;
        return base.resolve(path).toAbsolutePath().normalize().toString();
    }

    /** Binds a string as a path relative to the config file. */
    public static final class Resolver extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = ctxt.readValue(p, String.class);
            Object base = ctxt.getAttribute(BASE);
            try {
                return base instanceof Path dir ? resolve(dir, text) : text;
            } catch (InvalidPathException e) {
                throw com.fasterxml.jackson.databind.exc.InvalidFormatException.from(
                        p, "not a path: " + e.getReason(), text, String.class);
            }
        }
    }
}
