package dev.headroom.attention.cache;

/**
 * Keys and values kept as floating-point elements of {@code bytesPerElement} bytes each: 2 for the
 * bf16/fp16 cache a server holds, 4 for fp32. The CPU runtime computes in fp32 whatever is counted
 * here.
 */
public record FullPrecisionKv(int bytesPerElement) implements KvFormat {
    public static final FullPrecisionKv BF16 = new FullPrecisionKv(2);
    public static final FullPrecisionKv FP32 = new FullPrecisionKv(4);

    public FullPrecisionKv {
        if (bytesPerElement != 2 && bytesPerElement != 4) {
            throw new IllegalArgumentException(
                    "full-precision KV elements are 2 or 4 bytes, got " + bytesPerElement);
        }
    }

    @Override
    public String name() {
        return bytesPerElement == 2 ? "bf16" : "fp32";
    }

    @Override
    public long bytes(long tokens, int headDim) {
        return 2L * tokens * headDim * bytesPerElement;
    }
}
