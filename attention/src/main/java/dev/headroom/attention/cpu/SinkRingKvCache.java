package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * A sink + window head's cache: {@code sink} slots for the first tokens, then a ring of {@code
 * window} slots that the newest token overwrites. It never holds more than sink + window entries,
 * however long the sequence. {@link HybridLinearKvCache} adds a linearized head's state to it.
 */
class SinkRingKvCache extends NdKvCache {

    SinkRingKvCache(
            HeadPattern pattern, KvFormat format, int[] kvHeads, int headDim, RotaryTable rope) {
        super(pattern, format, kvHeads, headDim, rope);
        if (pattern.isFull())
            throw new IllegalArgumentException("a ring cache needs a window, got " + pattern);
        positionBySlot = new int[pattern.sink() + pattern.window()];
    }

    @Override
    protected void store(NDArray k, NDArray v, int t) {
        int end = position + t;
        if (keys == null) {
            keys = buffer(k.getManager(), k.getShape(), positionBySlot.length);
            values = buffer(v.getManager(), v.getShape(), positionBySlot.length);
        }
        // write the kept positions in runs whose slots are consecutive (at most three: sink, ring
        // end, ring start)
        int runStart = -1;
        for (int pos = position; pos <= end; pos++) {
            boolean kept = pos < end && KvSlots.held(pattern, pos, end);
            boolean continues =
                    kept
                            && runStart >= 0
                            && KvSlots.slot(pattern, pos) == KvSlots.slot(pattern, pos - 1) + 1;
            if (runStart >= 0 && !continues) {
                write(k, v, runStart, pos);
                runStart = -1;
            }
            if (kept && runStart < 0) runStart = pos;
        }
        position = end;
        held = pattern.heldTokens(end);
    }

    /** Positions [from, to) of this append, into their consecutive slots. */
    private void write(NDArray k, NDArray v, int from, int to) {
        int s0 = KvSlots.slot(pattern, from);
        NDIndex slots = new NDIndex(":, :, {}:{}", s0, s0 + (to - from));
        NDIndex rows = new NDIndex(":, :, {}:{}", from - position, to - position);
        keys.set(slots, k.get(rows));
        values.set(slots, v.get(rows));
        for (int pos = from; pos < to; pos++) positionBySlot[KvSlots.slot(pattern, pos)] = pos;
    }
}
