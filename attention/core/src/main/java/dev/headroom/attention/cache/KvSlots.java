package dev.headroom.attention.cache;

import dev.headroom.attention.pattern.HeadPattern;

/**
 * Where a compact cache keeps each position: a full head appends (slot = position); a sink + window
 * head keeps its sink in slots [0, sink) and the window in a ring of {@code window} slots after it.
 * Shared by every backend's caches (the CPU's NDArray buffers, the GPU's ring-buffer decode
 * kernel).
 */
public final class KvSlots {
    private KvSlots() {}

    /** Slots a cache of this pattern needs for n tokens. */
    public static int capacity(HeadPattern p, int n) {
        return p.heldTokens(n);
    }

    /**
     * The slot of position {@code pos} (for a windowed head, overwriting what fell out of the
     * window).
     */
    public static int slot(HeadPattern p, int pos) {
        if (p.isFull() || pos < p.sink()) return pos;
        return p.sink() + (pos - p.sink()) % p.window();
    }

    /**
     * Whether position {@code pos} is still held after n tokens: the next query (at n) may see it.
     */
    public static boolean held(HeadPattern p, int pos, int n) {
        return p.isFull() || pos < p.sink() || n - pos < p.window() + 1 && pos < n;
    }

    /**
     * The positions held after n tokens, in slot order: {@code result[slot]} is the position in
     * that slot.
     */
    public static int[] positionsBySlot(HeadPattern p, int n) {
        int[] bySlot = new int[p.heldTokens(n)];
        for (int pos = 0; pos < n; pos++) {
            if (held(p, pos, n)) bySlot[slot(p, pos)] = pos;
        }
        return bySlot;
    }
}
