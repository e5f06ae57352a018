package dev.headroom.stages.quantizekv;

import dev.headroom.attention.plan.KvScheme;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.stages.shared.CalibrationSource;
import dev.headroom.stages.shared.CalibrationSpec;
import dev.headroom.stages.shared.KvQuantArtifact;
import dev.headroom.stages.shared.KvQuantRow;
import dev.headroom.stages.shared.KvQuantTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code quantize_kv} stage: KIVI quantization of the KV cache, measured per KV head and width
 * on the calibration data and applied as the config says. Writes {@code
 * reports/kv_quant_heads.parquet} and {@code artifacts/kv_quant.json} (applied widths, the measured
 * sensitivities the joint search reads, and a {@code kv_cache_scheme} block).
 *
 * <p>Graph: {@code Create calibration samples} → {@code Measure quantization} → {@code Mean per
 * head and width} → {@code Write kv_quant_heads}; then the artifact from the table.
 */
public final class QuantizeKvStage implements StageDefinition<QuantizeKvParams> {
    public static final String NAME = "quantize_kv";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "KIVI KV-cache quantization: per-head sensitivity, key/value/attention error, applied widths";
    }

    @Override
    public Class<QuantizeKvParams> paramsType() {
        return QuantizeKvParams.class;
    }

    @Override
    public List<String> outputs(QuantizeKvParams params) {
        return List.of(
                "reports/" + KvQuantTables.HEADS.fileName(), "artifacts/" + KvQuantArtifact.FILE);
    }

    @Override
    public void run(QuantizeKvParams params, StageContext context) {
        CalibrationSource source = new CalibrationSource(context.calibration());
        if (params.lengths() != null) source = source.withLengths(params.lengths());
        List<CalibrationSpec> specs = source.fitting(false);
        Pipeline pipeline = context.newPipeline();
        PCollection<KvQuantRow> rows =
                pipeline.apply(
                                "Create calibration samples",
                                Create.of(specs)
                                        .withCoder(SerializableCoder.of(CalibrationSpec.class)))
                        .apply(
                                "Measure quantization",
                                ParDo.of(
                                        new MeasureQuantizationFn(
                                                context.model().directory().toString(),
                                                params,
                                                params.addBosOrDefault(),
                                                context.progressKey())))
                        .apply("Mean per head and scheme", Combine.perKey(new MeanKvQuantRow()))
                        .apply("Rows", Values.create());
        rows.apply(
                "Write kv_quant_heads",
                ParquetTables.write(
                        KvQuantTables.HEADS, context.reports(), context.tempDirectory()));
        context.run(pipeline, specs.size(), "samples");
        writeArtifact(params, context);
    }

    private static List<KvQuantRow> readRows(StageContext context) {
        return ParquetTables.read(
                KvQuantTables.HEADS, context.reports().resolve(KvQuantTables.HEADS.fileName()));
    }

    private static int[][] applied(QuantizeKvParams params, StageContext context) {
        int layers = context.model().config().numLayers(),
                kv = context.model().config().numKvHeads();
        int[][] bits = new int[layers][kv];
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < kv; h++) bits[l][h] = params.appliedBits(l, h);
        return bits;
    }

    private static void writeArtifact(QuantizeKvParams params, StageContext context) {
        int layers = context.model().config().numLayers(),
                kv = context.model().config().numKvHeads();
        Map<KvQuantRow.Measured, Double> measured = new java.util.HashMap<>();
        for (KvQuantRow r : readRows(context)) measured.put(r.measured(), r.sensitivity());
        List<List<Map<KvScheme, Double>>> sens = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<Map<KvScheme, Double>> row = new ArrayList<>();
            for (int h = 0; h < kv; h++) {
                Map<KvScheme, Double> byScheme = new java.util.LinkedHashMap<>();
                for (KvScheme s : params.measuredSchemes()) {
                    Double v = measured.get(new KvQuantRow.Measured(l, h, s));
                    if (v != null) byScheme.put(s, v);
                }
                row.add(byScheme);
            }
            sens.add(row);
        }
        try {
            new KvQuantArtifact(
                            params.groupOrDefault(),
                            params.residualOrDefault(),
                            params.sinkOrDefault(),
                            params.keysOrDefault(),
                            applied(params, context),
                            sens)
                    .write(context.artifacts());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void report(QuantizeKvParams params, StageContext context, RunReport report) {
        List<KvQuantRow> rows = readRows(context);
        report.section("KV quantization", KvQuantFigures.maps(rows, applied(params, context)));
        report.console(KvQuantFigures.consoleSummary(rows));
    }
}
