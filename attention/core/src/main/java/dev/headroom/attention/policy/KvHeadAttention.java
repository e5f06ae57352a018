package dev.headroom.attention.policy;

import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.pattern.HeadPattern;
import java.io.Serializable;

/**
 * How one KV head (and the query heads of its group) attends: which keys it sees, and how its cache
 * stores them.
 */
public record KvHeadAttention(HeadPattern pattern, KvFormat format) implements Serializable {
    public KvHeadAttention {
        java.util.Objects.requireNonNull(pattern, "pattern");
        java.util.Objects.requireNonNull(format, "format");
    }
}
