package dev.headroom.attention.gpu;

import dev.headroom.attention.cache.KvSlots;
import dev.headroom.attention.pattern.HeadPattern;

/**
 * A per-KV-head compressed KV cache on the GPU (compressed_decode.cu), one {@link HeadPattern} per
 * KV head. A streaming head keeps its first {@code sink} tokens and a ring buffer of {@code window}
 * slots, position p in slot {@link KvSlots#slot}; a retrieval head ({@link HeadPattern#full()})
 * keeps every token up to {@code maxTokens}. Keys and values are bf16 rows of headDim, each head's
 * slots contiguous.
 */
public final class CompressedKvCache implements AutoCloseable {
    private final CudaContext cuda;
    private final HeadPattern[] patterns;
    private final int headDim;
    private final int maxTokens;
    private final long[] slotOffset;
    private final long totalSlots;
    private final DeviceBuffer keys, values, offsets, sinks, windows;
    private int tokens;

    public CompressedKvCache(CudaContext cuda, HeadPattern[] patterns, int headDim, int maxTokens) {
        if (headDim != 64 && headDim != 128)
            throw new IllegalArgumentException("head dim must be 64 or 128");
        this.cuda = cuda;
        this.patterns = KernelPatterns.check(patterns);
        this.headDim = headDim;
        this.maxTokens = maxTokens;
        slotOffset = new long[this.patterns.length];
        long total = 0;
        for (int h = 0; h < slotOffset.length; h++) {
            slotOffset[h] = total;
            total += capacity(h);
        }
        totalSlots = total;
        keys = cuda.allocate(2L * total * headDim);
        values = cuda.allocate(2L * total * headDim);
        offsets = cuda.allocate(8L * slotOffset.length).upload(slotOffset);
        sinks = cuda.allocate(4L * slotOffset.length).upload(KernelPatterns.sinks(this.patterns));
        windows =
                cuda.allocate(4L * slotOffset.length)
                        .upload(KernelPatterns.cacheWindows(this.patterns));
    }

    /**
     * Slots a head holds: every token up to maxTokens for a retrieval head, sink + window for a
     * streaming one (not capped by maxTokens: a streaming-only cache takes any number of appends).
     */
    public int capacity(int kvHead) {
        HeadPattern p = patterns[kvHead];
        return p.isFull() ? maxTokens : p.sink() + p.window();
    }

    /**
     * The slot compressed_append in compressed_decode.cu writes token {@code position} to, in the
     * kernel's terms (window 0 = full); equal to {@link KvSlots#slot} (KernelIndexMathTest checks
     * it).
     */
    static int kernelSlot(int position, int sink, int window) {
        return window <= 0 || position < sink ? position : sink + (position - sink) % window;
    }

    /**
     * Slots that hold tokens after {@code tokens} appends, as valid_slots() computes it (window 0 =
     * full).
     */
    static int kernelValidSlots(int tokens, int sink, int window) {
        return window <= 0 ? tokens : Math.min(tokens, sink + window);
    }

    public int tokens() {
        return tokens;
    }

    /** The pattern of each KV head (a copy). */
    public HeadPattern[] patterns() {
        return patterns.clone();
    }

    public int headDim() {
        return headDim;
    }

    public int kvHeads() {
        return patterns.length;
    }

    /** The most slots any head attends to now. */
    public int longestHead() {
        return longestHeadAt(tokens);
    }

    /** The most slots any head attends to after {@code n} tokens. */
    int longestHeadAt(int n) {
        int longest = 0;
        for (HeadPattern p : patterns) longest = Math.max(longest, p.heldTokens(n));
        return longest;
    }

    /** Slots of all heads together after {@code n} tokens: the keys one decode step reads. */
    long heldSlotsAt(int n) {
        long sum = 0;
        for (HeadPattern p : patterns) sum += p.heldTokens(n);
        return sum;
    }

    /** Counts {@code n} tokens that replayed decode steps appended on the device. */
    void advance(int n) {
        if ((long) tokens + n > maxTokens && hasRetrievalHead())
            throw new IllegalStateException("cache full at " + maxTokens);
        tokens += n;
    }

    /** The most slots any head can ever hold. */
    int largestCapacity() {
        int largest = 0;
        for (int h = 0; h < patterns.length; h++) largest = Math.max(largest, capacity(h));
        return largest;
    }

    /** Appends the next token's keys and values, [kvHeads][headDim] bf16 each. */
    public void append(short[] keyRow, short[] valueRow) {
        try (DeviceBuffer k = cuda.allocate(2L * keyRow.length).upload(keyRow);
                DeviceBuffer v = cuda.allocate(2L * valueRow.length).upload(valueRow)) {
            append(k, v);
            cuda.synchronize();
        }
    }

    /** Appends the next token from device rows [kvHeads][headDim] bf16. */
    public void append(DeviceBuffer keyRow, DeviceBuffer valueRow) {
        if (tokens >= maxTokens && hasRetrievalHead())
            throw new IllegalStateException("cache full at " + maxTokens);
        cuda.launch(
                cuda.function("compressed_decode", "compressed_append"),
                new int[] {patterns.length},
                headDim,
                0,
                keys,
                values,
                offsets,
                sinks,
                windows,
                keyRow,
                valueRow,
                tokens,
                headDim);
        tokens++;
    }

    /**
     * Appends {@code count} tokens at once from device tensors k, v [kvHeads][count][headDim] bf16
     * (a prefill's keys and values); a streaming head keeps only the positions it still holds after
     * the last.
     */
    public void appendRows(DeviceBuffer k, DeviceBuffer v, int count) {
        if (count < 1) throw new IllegalArgumentException("append of " + count + " tokens");
        if ((long) tokens + count > maxTokens && hasRetrievalHead())
            throw new IllegalStateException(
                    "cache of " + maxTokens + " tokens cannot take " + (tokens + count));
        cuda.launch(
                cuda.function("compressed_decode", "compressed_append_rows"),
                new int[] {count, patterns.length},
                headDim,
                0,
                keys,
                values,
                offsets,
                sinks,
                windows,
                k,
                v,
                tokens,
                count,
                headDim);
        tokens += count;
    }

    /** The tokens a retrieval head can hold. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Device bytes of the key and value slots. */
    public long deviceBytes() {
        return keys.bytes() + values.bytes();
    }

    /** Device bytes a cache of these patterns takes for {@code maxTokens} (as allocated). */
    static long deviceBytes(HeadPattern[] patterns, int headDim, int maxTokens) {
        long slots = 0;
        for (HeadPattern p : patterns) slots += p.isFull() ? maxTokens : p.sink() + p.window();
        return 2L * 2 * slots * headDim;
    }

    /**
     * A cache of the same patterns holding {@code newMaxTokens} per retrieval head, with this one's
     * slots and token count copied in (device to device): growth, and forks of a sequence.
     */
    public CompressedKvCache copy(int newMaxTokens) {
        if (newMaxTokens < tokens && hasRetrievalHead())
            throw new IllegalArgumentException(newMaxTokens + " < " + tokens + " tokens held");
        CompressedKvCache out = new CompressedKvCache(cuda, patterns, headDim, newMaxTokens);
        for (int h = 0; h < patterns.length; h++) {
            long rows = Math.min(capacity(h), out.capacity(h));
            long from = 2L * slotOffset[h] * headDim, to = 2L * out.slotOffset[h] * headDim;
            long length = 2L * rows * headDim;
            out.keys.slice(to, length).copyFrom(keys.slice(from, length), length);
            out.values.slice(to, length).copyFrom(values.slice(from, length), length);
        }
        out.tokens = tokens;
        return out;
    }

    private boolean hasRetrievalHead() {
        for (HeadPattern p : patterns) if (p.isFull()) return true;
        return false;
    }

    /**
     * Benchmark helper: fills every slot with uniform random bf16 in [-1, 1) and sets the token
     * count.
     */
    public void fillRandom(int tokenCount, long seed) {
        if (tokenCount > maxTokens && hasRetrievalHead()) {
            throw new IllegalArgumentException(tokenCount + " tokens > " + maxTokens);
        }
        RandomFill.uniformBf16(cuda, keys, totalSlots * headDim, seed, -1f, 1f);
        RandomFill.uniformBf16(cuda, values, totalSlots * headDim, seed + 1, -1f, 1f);
        tokens = tokenCount;
    }

    /** Bytes a decode step must read: the valid keys and values of every head. */
    public long bytesRead() {
        long slots = 0;
        for (HeadPattern p : patterns) slots += p.heldTokens(tokens);
        return slots * headDim * 2 * 2;
    }

    DeviceBuffer keys() {
        return keys;
    }

    DeviceBuffer values() {
        return values;
    }

    DeviceBuffer offsets() {
        return offsets;
    }

    DeviceBuffer sinks() {
        return sinks;
    }

    DeviceBuffer windows() {
        return windows;
    }

    @Override
    public void close() {
        keys.close();
        values.close();
        offsets.close();
        sinks.close();
        windows.close();
    }
}
