package dev.headroom.attention.plan;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's KV-cache precision: each head's {@link KvScheme} ({@code schemes.get(i)} for the plan's
 * {@code heads.get(i)}: bf16, or KIVI codes with their key and value widths, group and residual),
 * and what every quantized head shares: the bf16 sink and whether keys are fitted before or after
 * RoPE ({@link KeyBasis}).
 */
public record KvQuantization(int sink, KeyBasis keys, List<KvScheme> schemes)
        implements Serializable {
    public static final int FULL_PRECISION = KvScheme.FULL_PRECISION_BITS;

    /** Bytes of one bf16 element, the unquantized cache's. */
    public static final int FULL_PRECISION_BYTES_PER_ELEMENT = 2;

    public KvQuantization {
        schemes = List.copyOf(schemes);
        if (sink < 0) throw new IllegalArgumentException("KIVI sink must be >= 0, got " + sink);
        if (keys == null) throw new IllegalArgumentException("KIVI key basis must be given");
    }

    /**
     * One group and residual for every quantized head, keys and values at the head's width ({@code
     * bits.get(i)}: 16 = bf16, or 8, 4, 2).
     */
    public static KvQuantization uniform(
            int group, int residual, int sink, KeyBasis keys, List<Integer> bits) {
        List<KvScheme> s = new ArrayList<>();
        for (int b : bits) {
            if (b != FULL_PRECISION && !KvScheme.isKiviWidth(b))
                throw new IllegalArgumentException("KV bits are 16, 8, 4 or 2, got " + b);
            s.add(KvScheme.of(b, group, residual));
        }
        KvScheme.kivi(
                2, group, residual); // group and residual must be valid with no head quantized
        return new KvQuantization(sink, keys, s);
    }

    /** The same shared sink and key basis with other per-head schemes. */
    public KvQuantization withSchemes(List<KvScheme> schemes) {
        return new KvQuantization(sink, keys, schemes);
    }

    /** Whether any head stores codes. */
    public boolean quantizesAny() {
        return schemes.stream().anyMatch(s -> !s.isFullPrecision());
    }

    /**
     * The compressed-tensors style {@code kv_cache_scheme} of the most common quantized scheme
     * (asymmetric integer groups; {@code num_bits} its key width, and {@code value_num_bits} its
     * value width when that differs), for tools that read those configs; per-head schemes are in
     * the plan's heads.
     */
    public Map<String, Object> kvCacheScheme() {
        KvScheme common = KvScheme.BF16;
        long best = 0;
        for (KvScheme s : schemes) {
            if (s.isFullPrecision()) continue;
            long n = schemes.stream().filter(s::equals).count();
            if (n > best) {
                best = n;
                common = s;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_bits", common.keyBits());
        if (!common.isUniform()) m.put("value_num_bits", common.valueBits());
        m.put("type", common.isFullPrecision() ? "float" : "int");
        m.put("strategy", "group");
        m.put("group_size", common.isFullPrecision() ? 32 : common.group());
        m.put("symmetric", false);
        m.put("dynamic", false);
        return m;
    }
}
