package dev.headroom.attention.plan;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's KV-cache precision: the bits of each head ({@code bits.get(i)} for the plan's {@code
 * heads.get(i)}: 16 = bf16, or 8, 4, 2 = KIVI codes) and the KIVI group, residual and sink all
 * quantized heads share, and whether keys are fitted before or after RoPE ({@link KeyBasis}).
 */
public record KvQuantization(int group, int residual, int sink, KeyBasis keys, List<Integer> bits)
        implements Serializable {
    public static final int FULL_PRECISION = 16;

    /** Bytes of one bf16 element, the unquantized cache's. */
    public static final int FULL_PRECISION_BYTES_PER_ELEMENT = 2;

    public KvQuantization {
        bits = List.copyOf(bits);
        for (int b : bits) {
            if (b != 16 && b != 8 && b != 4 && b != 2)
                throw new IllegalArgumentException("KV bits are 16, 8, 4 or 2, got " + b);
        }
        if (group < 1) throw new IllegalArgumentException("KIVI group must be >= 1, got " + group);
        if (residual < 0 || residual % group != 0)
            throw new IllegalArgumentException(
                    "KIVI residual must be a multiple of the group ("
                            + group
                            + "), got "
                            + residual);
        if (sink < 0) throw new IllegalArgumentException("KIVI sink must be >= 0, got " + sink);
        if (keys == null) throw new IllegalArgumentException("KIVI key basis must be given");
    }

    /** KIVI's keys, fitted after RoPE. */
    public KvQuantization(int group, int residual, int sink, List<Integer> bits) {
        this(group, residual, sink, KeyBasis.POST_ROPE, bits);
    }

    /** The same shared settings with other per-head widths. */
    public KvQuantization withBits(List<Integer> bits) {
        return new KvQuantization(group, residual, sink, keys, bits);
    }

    /**
     * The compressed-tensors style {@code kv_cache_scheme} of the most common quantized width
     * (asymmetric integer groups), for tools that read those configs; per-head bits are in the
     * plan's heads.
     */
    public Map<String, Object> kvCacheScheme() {
        int common = 16;
        long best = 0;
        for (int b : List.of(8, 4, 2)) {
            long n = bits.stream().filter(x -> x == b).count();
            if (n > best) {
                best = n;
                common = b;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_bits", common);
        m.put("type", common == 16 ? "float" : "int");
        m.put("strategy", "group");
        m.put("group_size", group);
        m.put("symmetric", false);
        m.put("dynamic", false);
        return m;
    }
}
