package dev.headroom.attention.cache;

import dev.headroom.attention.linear.HedgehogMaps;

/**
 * A linearized head's storage: the sink + window keys and values of its exact part as
 * full-precision elements, plus the fixed-size state of its linear part, sum phi(k) v^T
 * ([featureSize][headDim]) and sum phi(k) ([featureSize]) in fp32, however long the sequence. The
 * maps are carried along because the state is made with them: the key features decide what it
 * holds.
 *
 * @param bytesPerElement of the window's keys and values (2 for bf16)
 */
public record HybridLinearFormat(int bytesPerElement, HedgehogMaps maps) implements KvFormat {
    /** The state is kept in fp32, as the GPU kernel keeps it. */
    public static final int STATE_BYTES_PER_ELEMENT = 4;

    @Override
    public String name() {
        return "hybrid-linear-f" + maps.featureSize();
    }

    /** Bytes of one KV head's linear state, constant in the length. */
    public long stateBytes(int headDim) {
        long f = maps.featureSize();
        return STATE_BYTES_PER_ELEMENT * (f * headDim + f);
    }

    @Override
    public long bytes(long tokens, int headDim) {
        return 2L * tokens * headDim * bytesPerElement + stateBytes(headDim);
    }
}
