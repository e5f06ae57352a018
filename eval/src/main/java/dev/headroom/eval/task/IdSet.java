package dev.headroom.eval.task;

import java.io.Serializable;
import java.util.Arrays;
import java.util.stream.IntStream;

/** An ordered set of token ids: a range or an explicit list. Immutable. */
public final class IdSet implements Serializable {

    private final int[] ids;

    private IdSet(int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("an id set needs at least one id");
        }
        int[] sorted = ids.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new IllegalArgumentException(
                        "ids must be distinct and non-negative: " + sorted[i]);
            }
        }
        this.ids = sorted;
    }

    /** Ids {@code from} (inclusive) to {@code to} (exclusive). */
    public static IdSet range(int from, int to) {
        return new IdSet(IntStream.range(from, to).toArray());
    }

    public static IdSet of(int... ids) {
        return new IdSet(ids);
    }

    public int size() {
        return ids.length;
    }

    /** The i-th smallest id. */
    public int get(int i) {
        return ids[i];
    }

    public boolean contains(int id) {
        return Arrays.binarySearch(ids, id) >= 0;
    }

    public int[] toArray() {
        return ids.clone();
    }

    /** The ids belonging to a split; fails if none do. */
    public IdSet restrictedTo(Split split) {
        if (split == Split.ANY) {
            return this;
        }
        int[] kept = Arrays.stream(ids).filter(split::containsId).toArray();
        if (kept.length == 0) {
            throw new IllegalArgumentException("no id of " + this + " is in split " + split);
        }
        return new IdSet(kept);
    }

    public IdSet union(IdSet other) {
        return new IdSet(
                IntStream.concat(Arrays.stream(ids), Arrays.stream(other.ids))
                        .distinct()
                        .toArray());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdSet other && Arrays.equals(ids, other.ids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return "IdSet[" + ids.length + " ids, " + ids[0] + ".." + ids[ids.length - 1] + "]";
    }
}
