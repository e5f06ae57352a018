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

    /**
     * A copy of this sequence whose caches store keys and values as {@code policy} says: the same
     * pattern per head, possibly another format. The copy holds the keys and values this sequence
     * computed, stored anew (quantized where the new format quantizes, as if they had been appended
     * in the new format), so a prompt is prefilled once for several formats. This sequence must
     * hold every position it has seen in full precision.
     *
     * @throws UnsupportedOperationException where the runtime cannot fork
     */
    default RuntimeSequence fork(dev.headroom.attention.policy.AttentionPolicy policy) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot fork");
    }

    /** The keys a head's cache holds now, [held][headDim] in position order, as stored. */
    default float[][] cachedKeys(int layer, int kvHead) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not show keys");
    }

    /** The values a head's cache holds now, as {@link #cachedKeys}. */
    default float[][] cachedValues(int layer, int kvHead) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " does not show values");
    }

    /**
     * Keep the rotated queries of the next calls, for {@link #lastQueries}: diagnostics that
     * compare attention outputs.
     */
    default void recordQueries() {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " does not record queries");
    }

    /** The rotated queries of layer {@code layer} in the last call, [query head][T][headDim]. */
    default float[][][] lastQueries(int layer) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " does not record queries");
    }

    @Override
    void close();
}
