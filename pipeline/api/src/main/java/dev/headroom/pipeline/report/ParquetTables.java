package dev.headroom.pipeline.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Writes run tables through Beam's ParquetIO and reads them back for reports. */
public final class ParquetTables {

    private ParquetTables() {}

    /**
     * A transform writing a collection as {@code dir/<name>.parquet}: one file, which Beam writes
     * under {@code tempDir} and then renames into place.
     */
    public static <T> Write<T> write(AvroTable<T> table, Path dir, Path tempDir) {
        return new Write<>(
                table,
                dir.toAbsolutePath().toString(),
                tempDir.resolve(table.name()).toAbsolutePath().toString());
    }

    /**
     * Input: {@code PCollection<T>}. Output: none; one Parquet file. Steps: {@code To Avro}, {@code
     * Write Parquet}.
     */
    public static final class Write<T> extends PTransform<PCollection<T>, PDone> {
        private final AvroTable<T> table;
        private final String dir;
        private final String tempDir;

        Write(AvroTable<T> table, String dir, String tempDir) {
            this.table = table;
            this.dir = dir;
            this.tempDir = tempDir;
        }

        @Override
        public PDone expand(PCollection<T> rows) {
            Schema schema = table.schema();
            String fileName = table.fileName();
            rows.apply("To Avro", ParDo.of(new ToAvroFn<>(table)))
                    .setCoder(AvroCoder.of(schema))
                    .apply(
                            "Write Parquet",
                            FileIO.<GenericRecord>write()
                                    .via(ParquetIO.sink(schema))
                                    .to(dir)
                                    .withTempDirectory(tempDir)
                                    .withNumShards(1)
                                    .withNaming(
                                            (window, pane, numShards, shardIndex, compression) ->
                                                    fileName));
            return PDone.in(rows.getPipeline());
        }
    }

    private static final class ToAvroFn<T> extends DoFn<T, GenericRecord> {
        private final AvroTable<T> table;
        private final Counter rows;
        private transient Schema schema;

        ToAvroFn(AvroTable<T> table) {
            this.table = table;
            this.rows = Metrics.counter(ParquetTables.class, table.name() + "_rows");
        }

        @Setup
        public void setup() {
            schema = table.schema();
        }

        @ProcessElement
        public void processElement(@Element T row, OutputReceiver<GenericRecord> out) {
            out.output(table.toRecord(row, schema));
            rows.inc();
        }
    }

    /** All rows of a table file, in file order. */
    public static <T> List<T> read(AvroTable<T> table, Path file) {
        List<T> rows = new ArrayList<>();
        org.apache.hadoop.fs.Path hadoopPath =
                new org.apache.hadoop.fs.Path(file.toAbsolutePath().toUri());
        try (ParquetReader<GenericRecord> reader =
                AvroParquetReader.<GenericRecord>builder(
                                HadoopInputFile.fromPath(hadoopPath, new Configuration()))
                        .build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(table.fromRecord(r));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }
}
