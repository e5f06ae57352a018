package dev.headroom.pipeline.report;

import java.io.Serializable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A Parquet table of the run: its file name, Avro schema and the mapping between its rows and a
 * Java record. Schemas are documented in the README.
 *
 * @param <T> the row type
 */
public interface AvroTable<T> extends Serializable {

    /** File name under {@code reports/}, without the extension: {@code eval_results}. */
    String name();

    /** The schema as Avro JSON (kept as text: it travels inside DoFns). */
    String schemaJson();

    GenericRecord toRecord(T row, Schema schema);

    T fromRecord(GenericRecord record);

    default Schema schema() {
        return new Schema.Parser().parse(schemaJson());
    }

    default String fileName() {
        return name() + ".parquet";
    }
}
