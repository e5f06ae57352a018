package dev.headroom.stages.linearize;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.RecordTable;

/** The linearize stage's table, {@code linearize_layers}: the attention-transfer curves. */
final class LinearizeTables {
    private LinearizeTables() {}

    static final AvroTable<LinearizeLayerRow> LAYERS =
            new RecordTable<>(
                    "linearize_layers",
                    LinearizeLayerRow.class,
                    """
                {"type": "record", "name": "LinearizeLayer", "namespace": "dev.headroom.reports",
                 "doc": "Attention transfer: MSE between the dense and the hybrid attention output of a layer's linearized heads.",
                 "fields": [
                  {"name": "layer", "type": "int"},
                  {"name": "kv_head", "type": "int", "doc": "the KV head; -1 = the mean over the layer's linearized heads"},
                  {"name": "step", "type": "int", "doc": "Adam steps taken"},
                  {"name": "split", "type": "string", "doc": "train (the step's sample), held_out (the held-out samples), final (held-out, the kept maps), window_only (held-out, the exact sink + window alone)"},
                  {"name": "mse", "type": "double"}
                 ]}""");
}
