package dev.headroom.attention.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.headroom.attention.cache.HybridLinearFormat;
import dev.headroom.attention.cache.KvCache;
import dev.headroom.attention.cache.KvFormat;
import dev.headroom.attention.model.RotaryTable;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * A {@link KvCache} whose storage is fp32 NDArray buffers [B, n, slots, hd] for n KV heads.
 * Subclasses decide which slot a position goes to; the kernel reads {@link #keys()}, {@link
 * #values()} and {@link #positions()} (slot order). Buffers outlive the caller's NDScope and are
 * freed when replaced or closed.
 */
abstract class NdKvCache implements KvCache {
    protected final HeadPattern pattern;
    protected final KvFormat format;
    protected final int[] kvHeads;
    protected final int headDim;
    protected NDArray keys, values; // [B, n, capacity, hd]
    protected int[] positionBySlot = new int[0];
    protected int held, position;
    private long batch = 1;
    private final BufferQuantizer quantizer; // null for a full-precision format

    NdKvCache(HeadPattern pattern, KvFormat format, int[] kvHeads, int headDim, RotaryTable rope) {
        this.pattern = pattern;
        this.format = format;
        this.kvHeads = kvHeads.clone();
        this.headDim = headDim;
        this.quantizer = BufferQuantizer.of(format, pattern, kvHeads.length, headDim, rope);
    }

    /**
     * The cache for a pattern and format: a growing one for a full head, a sink + ring window
     * otherwise, and the ring plus a linear state for a linearized head.
     */
    static NdKvCache of(HeadPattern pattern, KvFormat format, int[] kvHeads, int headDim) {
        return of(pattern, format, kvHeads, headDim, null);
    }

    /**
     * As {@link #of(HeadPattern, KvFormat, int[], int)}, with the model's rotary table for formats
     * that fit keys before RoPE.
     */
    static NdKvCache of(
            HeadPattern pattern, KvFormat format, int[] kvHeads, int headDim, RotaryTable rope) {
        if (format instanceof HybridLinearFormat hybrid)
            return new HybridLinearKvCache(pattern, hybrid, kvHeads, headDim);
        return pattern.isFull()
                ? new FullKvCache(pattern, format, kvHeads, headDim, rope)
                : new SinkRingKvCache(pattern, format, kvHeads, headDim, rope);
    }

    /**
     * Appends keys and values [B, n, T, hd] of positions position() .. position()+T-1 (detached
     * from autograd).
     */
    final void append(NDArray k, NDArray v) {
        batch = k.getShape().get(0);
        int from = position, t = (int) k.getShape().get(2);
        Object before = quantizer == null ? null : quantizer.beforeStore(this, from, from + t);
        store(k.stopGradient(), v.stopGradient(), t);
        if (quantizer != null) quantizer.afterStore(this, before, k, v, from, position);
    }

    protected abstract void store(NDArray k, NDArray v, int t);

    /** Held keys [B, n, held, hd] in slot order (a view valid until the next append). */
    final NDArray keys() {
        return held == keys.getShape().get(2) ? keys : keys.get(new NDIndex(":, :, :{}", held));
    }

    final NDArray values() {
        return held == values.getShape().get(2)
                ? values
                : values.get(new NDIndex(":, :, :{}", held));
    }

    /** The position of each held slot. */
    final int[] positions() {
        return java.util.Arrays.copyOf(positionBySlot, held);
    }

    final boolean isEmpty() {
        return held == 0;
    }

    /** A zero buffer [B, n, slots, hd] owned by the cache rather than the caller's scope. */
    protected static NDArray buffer(NDManager m, Shape like, int slots) {
        NDArray b = m.zeros(new Shape(like.get(0), like.get(1), slots, like.get(3)));
        NDScope.unregister(b);
        return b;
    }

    protected static NDArray own(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    @Override
    public HeadPattern pattern() {
        return pattern;
    }

    @Override
    public KvFormat format() {
        return format;
    }

    @Override
    public int[] kvHeads() {
        return kvHeads.clone();
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int heldTokens() {
        return held;
    }

    @Override
    public long bytes() {
        return batch * kvHeads.length * format.bytes(pattern, position, headDim);
    }

    /**
     * Bytes counted from the storage itself: the packed codes, scales and full-precision rows a
     * quantized format keeps (equal to {@link #bytes()}, which counts from the format's schedule).
     */
    long storedBytes() {
        return quantizer == null ? bytes() : quantizer.storedBytes();
    }

    BufferQuantizer quantizer() {
        return quantizer;
    }

    @Override
    public void close() {
        if (keys != null) keys.close();
        if (values != null) values.close();
        keys = values = null;
        held = 0;
    }
}
