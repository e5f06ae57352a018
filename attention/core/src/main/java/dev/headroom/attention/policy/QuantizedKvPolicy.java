package dev.headroom.attention.policy;

import dev.headroom.attention.cache.KvFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Another policy's patterns with every head's cache stored in one format (KIVI or fp8 everywhere):
 * which keys a head sees is the base policy's, how they are stored is this one's.
 */
public final class QuantizedKvPolicy implements AttentionPolicy {
    private final AttentionPolicy base;
    private final KvFormat format;
    private final String name;

    public QuantizedKvPolicy(AttentionPolicy base, KvFormat format, String name) {
        this.base = base;
        this.format = format;
        this.name = name;
    }

    public KvFormat format() {
        return format;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LayerAttention forLayer(LayerContext context) {
        LayerAttention patterns = base.forLayer(context);
        List<KvHeadAttention> heads = new ArrayList<>();
        for (int h = 0; h < patterns.kvHeads(); h++)
            heads.add(new KvHeadAttention(patterns.head(h).pattern(), format));
        return new LayerAttention(heads);
    }
}
