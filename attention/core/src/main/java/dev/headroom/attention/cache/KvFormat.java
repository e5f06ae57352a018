package dev.headroom.attention.cache;

import dev.headroom.attention.pattern.HeadPattern;
import java.io.Serializable;

/**
 * How a KV cache stores its keys and values, and so what it costs: full-precision elements here
 * ({@link FullPrecisionKv}); quantized formats (codes, scales, zero points, a full-precision
 * residual) live in {@code quantize/}. Backends pick the cache class that implements a format.
 */
public interface KvFormat extends Serializable {

    /** A short name for reports, e.g. {@code bf16} or {@code kivi2}. */
    String name();

    /**
     * Bytes that keys plus values of one KV head take for {@code tokens} cached tokens of width
     * {@code headDim}.
     */
    long bytes(long tokens, int headDim);

    /**
     * Bytes of one KV head with this pattern after {@code position} tokens: what its cache holds as
     * this format stores it. Formats whose storage depends on where a token sits (a quantized
     * format's full-precision regions and groups) count it here; the default counts the held
     * tokens.
     */
    default long bytes(HeadPattern pattern, int position, int headDim) {
        return bytes(pattern.heldTokens(position), headDim);
    }
}
