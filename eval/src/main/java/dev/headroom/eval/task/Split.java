package dev.headroom.eval.task;

/**
 * Which part of the key/number vocabulary a generator draws from. TRAIN and HELD_OUT are disjoint,
 * so a model trained on TRAIN cases can be tested on keys, names and numbers it never saw; ANY
 * draws from everything (plain evaluation of a pretrained model).
 *
 * <p>Key words and pooled variable names are partitioned by explicit lists in {@link
 * TaskVocabulary}; numbers, random variable names and token ids by a fixed hash of their text:
 * about a quarter of them are held out.
 */
public enum Split {
    TRAIN,
    HELD_OUT,
    ANY;

    /** One in {@code HELD_OUT_SHARE} hashed items is held out. */
    private static final int HELD_OUT_SHARE = 4;

    /** Whether a number (its decimal digits) or a generated name belongs to this split. */
    public boolean containsHashed(String text) {
        if (this == ANY) {
            return true;
        }
        boolean heldOut = Long.remainderUnsigned(stableHash(text), HELD_OUT_SHARE) == 0;
        return heldOut == (this == HELD_OUT);
    }

    /** Whether a token id belongs to this split. */
    public boolean containsId(int id) {
        return containsHashed("id:" + id);
    }

    /**
     * FNV-1a over the UTF-16 chars, then a splitmix64 finalizer; fixed forever, unlike
     * Object.hashCode.
     */
    static long stableHash(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        return Seeds.mix(h);
    }
}
