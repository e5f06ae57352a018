package dev.headroom.stages.export;

import dev.headroom.pipeline.report.AvroTable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The columns of the evaluate stage's {@code eval_summary} table that an export's README shows,
 * read by name; a read-only view (the evaluate stage owns and writes the table).
 */
final class EvalSummaryView implements AvroTable<EvalSummaryView.Line> {
    static final EvalSummaryView TABLE = new EvalSummaryView();

    /** One cell of the summary. */
    record Line(
            String method, String task, int length, int cases, double accuracy, double kvBytes) {}

    @Override
    public String name() {
        return "eval_summary";
    }

    @Override
    public String schemaJson() {
        return "{\"type\":\"record\",\"name\":\"EvalSummaryView\",\"fields\":["
                + "{\"name\":\"method\",\"type\":\"string\"},"
                + "{\"name\":\"task\",\"type\":\"string\"},"
                + "{\"name\":\"length\",\"type\":\"int\"},"
                + "{\"name\":\"cases\",\"type\":\"int\"},"
                + "{\"name\":\"accuracy\",\"type\":\"double\"},"
                + "{\"name\":\"mean_kv_cache_bytes\",\"type\":\"double\"}]}";
    }

    @Override
    public GenericRecord toRecord(Line row, Schema schema) {
        throw new UnsupportedOperationException("eval_summary is written by the evaluate stage");
    }

    @Override
    public Line fromRecord(GenericRecord r) {
        return new Line(
                String.valueOf(r.get("method")),
                String.valueOf(r.get("task")),
                ((Number) r.get("length")).intValue(),
                ((Number) r.get("cases")).intValue(),
                ((Number) r.get("accuracy")).doubleValue(),
                ((Number) r.get("mean_kv_cache_bytes")).doubleValue());
    }
}
