package dev.headroom.attention.cache;

import dev.headroom.attention.pattern.HeadPattern;

/**
 * One layer's keys and values for a group of KV heads that share a pattern and a format. It appends
 * keys and values, hands its backend's attention kernel what the next queries may see, and counts
 * its bytes as the format stores them. The storage itself is the backend's (NDArray buffers on the
 * CPU, device memory on the GPU); a cache holds only what its pattern can still show, so a windowed
 * head's cache stops growing at sink + window entries.
 */
public interface KvCache extends AutoCloseable {

    HeadPattern pattern();

    KvFormat format();

    /** The model's KV-head indices this cache holds, ascending. */
    int[] kvHeads();

    /** Tokens appended so far: the position of the next one. */
    int position();

    /** Entries held per KV head now. */
    int heldTokens();

    /** Bytes held now by all of this cache's heads, as the format stores them (batch included). */
    long bytes();

    @Override
    void close();
}
