package dev.headroom.stages.shared;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.RecordTable;

/** The quantize_kv stage's table, {@code kv_quant_heads}: one row per layer x KV head x scheme. */
public final class KvQuantTables {
    private KvQuantTables() {}

    public static final AvroTable<KvQuantRow> HEADS =
            new RecordTable<>(
                    "kv_quant_heads",
                    KvQuantRow.class,
                    """
                {"type": "record", "name": "KvQuantHead", "namespace": "dev.headroom.reports",
                 "doc": "One KV head quantized alone (the others bf16), averaged over calibration samples.",
                 "fields": [
                  {"name": "layer", "type": "int"},
                  {"name": "kv_head", "type": "int"},
                  {"name": "key_bits", "type": "int", "doc": "KIVI key code width: 8, 4 or 2"},
                  {"name": "value_bits", "type": "int", "doc": "KIVI value code width: 8, 4 or 2"},
                  {"name": "group", "type": "int", "doc": "tokens per key group (channels per value group, at most the head dim)"},
                  {"name": "residual", "type": "int", "doc": "newest tokens kept bf16"},
                  {"name": "key_error", "type": "double", "doc": "relative RMS error of the dequantized prompt keys"},
                  {"name": "value_error", "type": "double", "doc": "relative RMS error of the dequantized prompt values"},
                  {"name": "attention_error", "type": "double", "doc": "relative L2 error of the head group's attention output (answer queries over the prompt cache) against bf16"},
                  {"name": "sensitivity", "type": "double", "doc": "answer loss increase in nats per answer token with only this head quantized"},
                  {"name": "samples", "type": "long", "doc": "calibration samples averaged"}
                 ]}""");
}
