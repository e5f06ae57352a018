package dev.headroom.stages.linearize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.linear.HedgehogMaps;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.LinearHeadsPolicy;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.stages.shared.CalibrationSource;
import dev.headroom.stages.shared.CalibrationSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code linearize} stage: the chosen heads' softmax attention distilled into LoLCATs' hybrid
 * attention (Hedgehog feature maps over the keys before an exact sink + window), layer by layer.
 *
 * <p>{@code Cache activations}: each calibration sample (fitting and held-out) run once through the
 * model, its per-layer q, k, v written to the run's scratch folder. {@code Train layers}: a
 * reshuffled step over layers, each trained by Adam on its cached activations ({@link
 * AttentionTransfer}). With {@code upstream: dense} both run once, every layer on the dense model's
 * activations and the layers in parallel; with {@code upstream: linearized} they run once per
 * layer, in order, layer l's activations taken from the model whose earlier layers are as the stage
 * made them. With {@code gate: held_out_kl} each trained layer's heads are then decided by {@link
 * LinearGate} on the held-out samples. Then the layers' maps and gates are merged into {@code
 * artifacts/linear/feature_maps.safetensors}, the rows into {@code linearize_layers}, and {@code
 * artifacts/linear_plan.json} gets a {@code linear_heads} section.
 */
public final class LinearizeStage implements StageDefinition<LinearizeParams> {
    public static final String NAME = "linearize";
    static final String PLAN_FILE = "linear_plan.json";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "attention transfer of streaming heads into hybrid sliding-window + linear attention (LoLCATs)";
    }

    @Override
    public Class<LinearizeParams> paramsType() {
        return LinearizeParams.class;
    }

    @Override
    public List<String> outputs(LinearizeParams params) {
        return List.of(
                "reports/" + LinearizeTables.LAYERS.fileName(),
                LinearHeads.FILE,
                "artifacts/" + PLAN_FILE);
    }

    @Override
    public void run(LinearizeParams params, StageContext context) {
        ModelConfig c = context.model().config();
        boolean[][] chosen = HeadSelection.choose(params, context);
        List<Integer> layers = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            boolean any = false;
            for (boolean b : chosen[l]) any |= b;
            if (any) layers.add(l);
        }
        Path scratch = context.runDirectory().resolve(".linearize");
        try {
            deleteTree(scratch);
            Files.createDirectories(scratch.resolve("parts"));
            CalibrationSource source = new CalibrationSource(context.calibration());
            if (params.lengths() != null) source = source.withLengths(params.lengths());
            if (params.tasks() != null) source = source.withTasks(params.tasks());
            List<CalibrationSpec> fitting = source.fitting(false);
            int longest = fitting.stream().mapToInt(CalibrationSpec::length).max().orElse(512);
            List<CalibrationSpec> heldOut =
                    source.heldOut(longest, params.heldOutSamplesOrDefault());
            Samples samples = new Samples(fitting, heldOut);
            HedgehogMaps[][] maps = new HedgehogMaps[c.numLayers()][c.numKvHeads()];
            boolean[][] linearPart = new boolean[c.numLayers()][c.numKvHeads()];
            for (boolean[] row : linearPart) java.util.Arrays.fill(row, true);
            List<LinearGate.Decision> decisions = new ArrayList<>();
            HeldOutKl gate =
                    params.gateOrDefault() == LinearizeParams.Gate.HELD_OUT_KL
                            ? new HeldOutKl(context, heldOut, params.addBosOrDefault())
                            : null;
            if (params.upstreamOrDefault() == LinearizeParams.Upstream.DENSE) {
                Path acts = scratch.resolve("activations");
                cache(params, context, samples, acts, CacheActivationsFn.Upstream.DENSE);
                train(params, context, samples, acts, layers, chosen, scratch, "all");
                for (int l : layers) {
                    readPart(c, scratch, l, maps);
                    if (gate != null)
                        decisions.addAll(
                                gate.decide(l, chosen, maps, linearPart, scratch.resolve("gate")));
                }
            } else {
                // each layer on the activations of the model whose earlier layers are as decided
                for (int l : layers) {
                    Path acts = scratch.resolve("activations_" + l);
                    CacheActivationsFn.Upstream up =
                            upstream(chosen, maps, linearPart, l, scratch.resolve("upstream_" + l));
                    cache(params, context, samples, acts, up);
                    train(params, context, samples, acts, List.of(l), chosen, scratch, "" + l);
                    readPart(c, scratch, l, maps);
                    if (gate != null)
                        decisions.addAll(
                                gate.decide(l, chosen, maps, linearPart, scratch.resolve("gate")));
                    deleteTree(acts);
                }
            }
            writeRows(context, scratch);
            LinearHeads merged = new LinearHeads(maps, linearPart);
            merged.write(context.runDirectory().resolve(LinearHeads.FILE));
            writePlan(params, context, merged, readRows(context), decisions);
            deleteTree(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fitting and held-out calibration samples. */
    private record Samples(List<CalibrationSpec> fitting, List<CalibrationSpec> heldOut) {
        List<String> files(Path dir, boolean train) {
            List<String> out = new ArrayList<>();
            int n = train ? fitting.size() : heldOut.size();
            for (int i = 0; i < n; i++)
                out.add(
                        dir.resolve((train ? "train_" : "held_out_") + i + ".safetensors")
                                .toString());
            return out;
        }
    }

    /** "Cache activations": every sample through the model, its activations under {@code dir}. */
    private static void cache(
            LinearizeParams params,
            StageContext context,
            Samples samples,
            Path dir,
            CacheActivationsFn.Upstream upstream)
            throws IOException {
        Files.createDirectories(dir);
        List<CacheActivationsFn.Job> jobs = new ArrayList<>();
        List<String> train = samples.files(dir, true), held = samples.files(dir, false);
        for (int i = 0; i < train.size(); i++)
            jobs.add(new CacheActivationsFn.Job(samples.fitting().get(i), train.get(i)));
        for (int i = 0; i < held.size(); i++)
            jobs.add(new CacheActivationsFn.Job(samples.heldOut().get(i), held.get(i)));
        Pipeline cache = context.newPipeline();
        cache.apply(
                        "Create calibration samples",
                        Create.of(jobs)
                                .withCoder(SerializableCoder.of(CacheActivationsFn.Job.class)))
                .apply(
                        "Cache activations",
                        ParDo.of(
                                new CacheActivationsFn(
                                        context.model().directory().toString(),
                                        params.addBosOrDefault(),
                                        upstream,
                                        context.progressKey())));
        context.run(cache, jobs.size(), "samples");
    }

    /** "Train layers": a reshuffled step over {@code layers}, its rows under rows_{tag}. */
    private static void train(
            LinearizeParams params,
            StageContext context,
            Samples samples,
            Path acts,
            List<Integer> layers,
            boolean[][] chosen,
            Path scratch,
            String tag)
            throws IOException {
        Path rowsDir = scratch.resolve("rows_" + tag);
        Files.createDirectories(rowsDir);
        Pipeline train = context.newPipeline();
        PCollection<LinearizeLayerRow> rows =
                train.apply("Create layers", Create.of(layers).withCoder(VarIntCoder.of()))
                        .apply("Spread layers", Reshuffle.viaRandomKey())
                        .apply(
                                "Train layers",
                                ParDo.of(
                                        new TrainLayerFn(
                                                context.model().directory().toString(),
                                                scratch.resolve("parts").toString(),
                                                samples.files(acts, true),
                                                samples.files(acts, false),
                                                chosen,
                                                params.training(),
                                                context.progressKey())))
                        .setCoder(SerializableCoder.of(LinearizeLayerRow.class));
        rows.apply(
                "Write linearize_layers",
                ParquetTables.write(LinearizeTables.LAYERS, rowsDir, context.tempDirectory()));
        context.run(train, layers.size(), "layers");
    }

    /** The rows of every "Train layers" step into {@code reports/linearize_layers.parquet}. */
    private static void writeRows(StageContext context, Path scratch) throws IOException {
        List<LinearizeLayerRow> all = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(scratch)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("rows_")).toList())
                all.addAll(
                        ParquetTables.read(
                                LinearizeTables.LAYERS,
                                d.resolve(LinearizeTables.LAYERS.fileName())));
        }
        Pipeline write = context.newPipeline();
        write.apply(
                        "Collect linearize_layers",
                        Create.of(all).withCoder(SerializableCoder.of(LinearizeLayerRow.class)))
                .apply(
                        "Write linearize_layers",
                        ParquetTables.write(
                                LinearizeTables.LAYERS,
                                context.reports(),
                                context.tempDirectory()));
        context.run(write, all.size(), "rows");
    }

    private static void readPart(ModelConfig c, Path scratch, int layer, HedgehogMaps[][] maps) {
        LinearHeads part =
                LinearHeads.read(
                        TrainLayerFn.part(scratch.resolve("parts"), layer),
                        c.numLayers(),
                        c.numKvHeads());
        for (int h = 0; h < c.numKvHeads(); h++) maps[layer][h] = part.maps(layer, h);
    }

    /**
     * The model with the chosen heads of the layers before {@code layer} as decided so far (their
     * maps and gates written under {@code root}, laid out as a run directory), the rest dense.
     */
    static CacheActivationsFn.Upstream upstream(
            boolean[][] chosen, HedgehogMaps[][] maps, boolean[][] linearPart, int layer, Path root)
            throws IOException {
        boolean[][] below = new boolean[chosen.length][];
        HedgehogMaps[][] known = new HedgehogMaps[maps.length][];
        for (int l = 0; l < chosen.length; l++) {
            below[l] = new boolean[chosen[l].length];
            known[l] = new HedgehogMaps[maps[l].length];
            for (int h = 0; h < chosen[l].length; h++) {
                below[l][h] = l < layer && chosen[l][h];
                if (below[l][h]) known[l][h] = maps[l][h];
            }
        }
        new LinearHeads(known, linearPart).write(root.resolve(LinearHeads.FILE));
        return new CacheActivationsFn.Upstream(
                new LinearHeadsPolicy(new DensePolicy(), below, true, "upstream"),
                root.toString(),
                layer);
    }

    static List<LinearizeLayerRow> readRows(StageContext context) {
        List<LinearizeLayerRow> rows =
                new ArrayList<>(
                        ParquetTables.read(
                                LinearizeTables.LAYERS,
                                context.reports().resolve(LinearizeTables.LAYERS.fileName())));
        rows.sort(
                Comparator.comparingInt(LinearizeLayerRow::layer)
                        .thenComparingInt(LinearizeLayerRow::kvHead)
                        .thenComparingInt(LinearizeLayerRow::step));
        return rows;
    }

    /** Which of a head's held-out losses. */
    enum Loss {
        /** Step 0: the initial maps. */
        INITIAL,
        /** The kept maps. */
        FINAL,
        /** The exact sink + window alone, without the linear part. */
        WINDOW_ONLY
    }

    /** A head's held-out MSE of the given kind, from the table's rows. */
    static double loss(List<LinearizeLayerRow> rows, int layer, int kvHead, Loss which) {
        String split =
                switch (which) {
                    case INITIAL -> LinearizeLayerRow.HELD_OUT;
                    case FINAL -> LinearizeLayerRow.FINAL;
                    case WINDOW_ONLY -> LinearizeLayerRow.WINDOW_ONLY;
                };
        for (LinearizeLayerRow r : rows)
            if (r.layer() == layer && r.kvHead() == kvHead && r.split().equals(split))
                if (which != Loss.INITIAL || r.step() == 0) return r.mse();
        return Double.NaN;
    }

    /**
     * {@code artifacts/linear_plan.json}: the plan the heads came from (when the run has it), with
     * a {@code linear_heads} section: layer, KV head, sink, window, feature size, initial and final
     * transfer loss (held-out MSE).
     */
    private static void writePlan(
            LinearizeParams params,
            StageContext context,
            LinearHeads heads,
            List<LinearizeLayerRow> rows,
            List<LinearGate.Decision> decisions)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        Path source = context.artifacts().resolve(params.planOrDefault());
        ObjectNode root =
                Files.isRegularFile(source)
                        ? (ObjectNode) om.readTree(source.toFile())
                        : om.createObjectNode()
                                .put("format", "headroom-linear-heads")
                                .put("version", 1);
        root.put("linear_source_plan", Files.isRegularFile(source) ? params.planOrDefault() : null);
        root.put("linear_head_choice", params.headsOrDefault().word());
        root.put("linear_upstream", params.upstreamOrDefault().word());
        root.put("linear_gate", params.gateOrDefault().word());
        ArrayNode list = root.putArray("linear_heads");
        for (int l = 0; l < heads.layers(); l++)
            for (int h = 0; h < heads.kvHeads(); h++) {
                HedgehogMaps m = heads.maps(l, h);
                if (m == null) continue;
                ObjectNode head = list.addObject();
                head.put("layer", l)
                        .put("kv_head", h)
                        .put("sink", m.sink())
                        .put("window", m.window())
                        .put("feature_size", m.columns())
                        .put("initial_transfer_loss", loss(rows, l, h, Loss.INITIAL))
                        .put("window_only_loss", loss(rows, l, h, Loss.WINDOW_ONLY))
                        .put("transfer_loss", loss(rows, l, h, Loss.FINAL))
                        .put("linear_part", heads.linearPart(l, h));
                for (LinearGate.Decision d : decisions)
                    if (d.layer() == l && d.kvHead() == h)
                        head.put("held_out_kl_linear", d.klLinear())
                                .put("held_out_kl_window", d.klWindow());
            }
        AtomicFiles.writeJson(context.artifacts().resolve(PLAN_FILE), root);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.toList());
            Collections.reverse(all);
            for (Path p : all) Files.delete(p);
        }
    }

    @Override
    public void report(LinearizeParams params, StageContext context, RunReport report) {
        List<LinearizeLayerRow> rows = readRows(context);
        report.section("Linearized heads", LinearizeFigures.section(rows));
        report.console(LinearizeFigures.consoleSummary(rows));
    }
}
