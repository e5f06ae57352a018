package dev.headroom.attention.runtime;

/**
 * One running sequence: its KV caches and the position reached. Every call appends its tokens at
 * {@link #position()}. Close it to free its caches.
 */
public interface RuntimeSequence extends AutoCloseable {

    /** Appends {@code ids}; returns the logits [V] of the last one. */
    float[] prefill(int[] ids);

    /** Appends {@code ids}; returns the logits [T][V] of every one. */
    float[][] prefillAll(int[] ids);

    /** Appends one token; returns the next token's logits [V]. */
    default float[] decode(int id) {
        return prefill(new int[] {id});
    }

    /** Tokens appended so far. */
    int position();

    /**
     * KV-cache bytes held now, the sum of what every layer's caches hold, as their formats store
     * them.
     */
    long cacheBytes();

    /** Entries the cache of ({@code layer}, {@code kvHead}) holds now. */
    int heldTokens(int layer, int kvHead);

    /**
     * Causal query-key pairs computed so far over the pairs dense attention computes (1.0 for
     * dense).
     */
    double density();

    @Override
    void close();
}
