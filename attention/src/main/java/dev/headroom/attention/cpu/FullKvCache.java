package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * Every position's keys and values, in position order; the buffer doubles when it fills (amortised
 * O(1) append).
 */
final class FullKvCache extends NdKvCache {
    private static final int MIN_GROWTH = 64;

    FullKvCache(
            HeadPattern pattern, KvFormat format, int[] kvHeads, int headDim, RotaryTable rope) {
        super(pattern, format, kvHeads, headDim, rope);
        if (!pattern.isFull())
            throw new IllegalArgumentException("a full cache needs a full pattern, got " + pattern);
    }

    @Override
    protected void store(NDArray k, NDArray v, int t) {
        if (keys == null) { // the first block is kept as it is: no copy
            keys = own(k);
            values = own(v);
        } else {
            int capacity = (int) keys.getShape().get(2);
            if (position + t > capacity)
                grow(Math.max(position + t, Math.max(2 * capacity, capacity + MIN_GROWTH)));
            NDIndex at = new NDIndex(":, :, {}:{}", position, position + t);
            keys.set(at, k);
            values.set(at, v);
        }
        if (positionBySlot.length < keys.getShape().get(2)) {
            int[] p = java.util.Arrays.copyOf(positionBySlot, (int) keys.getShape().get(2));
            for (int i = position; i < p.length; i++) p[i] = i;
            positionBySlot = p;
        }
        position += t;
        held = position;
    }

    private void grow(int capacity) {
        NDArray k = buffer(keys.getManager(), keys.getShape(), capacity),
                v = buffer(values.getManager(), values.getShape(), capacity);
        NDIndex old = new NDIndex(":, :, :{}", position);
        k.set(old, keys.get(old));
        v.set(old, values.get(old));
        keys.close();
        values.close();
        keys = k;
        values = v;
    }
}
