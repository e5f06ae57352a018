package dev.headroom.stages.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import dev.headroom.attention.HeadroomException;
import dev.headroom.attention.artifact.ArtifactManifest;
import dev.headroom.attention.artifact.ModelArtifact;
import dev.headroom.attention.linear.LinearHeads;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.HeadroomPlanReader;
import dev.headroom.attention.plan.KvQuantization;
import dev.headroom.attention.plan.KvScheme;
import dev.headroom.attention.plan.ModelIdentity;
import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.plan.search.PlanExports;
import dev.headroom.stages.shared.KvQuantArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;

/**
 * The {@code export} stage: one model directory, {@code artifacts/model/}, with everything the run
 * decided applied. It holds the checkpoint's weights (linked, or copied when portable) and
 * tokenizer files; {@code config.json} with a {@code headroom} block (the source model's sha256,
 * every KV head's span, bits and linear flag, the provenance) and, under KV quantization, a {@code
 * quantization_config} with a compressed-tensors style {@code kv_cache_scheme}; {@code
 * headroom_plan.json}, {@code kv_quant.json} and {@code linear/feature_maps.safetensors} where the
 * run made them; MoA's and DuoAttention's files under {@code exports/}; a generated {@code
 * README.md}; and {@code manifest.json}, the sha256 of every file, checked whenever it is opened.
 * The directory is assembled under a temporary name and renamed into place.
 *
 * <p>Graph: {@code Carried files} → {@code Place and hash}; then the driver writes the rest.
 */
public final class ExportStage implements StageDefinition<ExportParams> {
    public static final String NAME = "export", DIRECTORY = "model";
    private static final String TMP = ".model.tmp", OLD = ".model.old";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "one model directory with the plan, KV scheme and linear heads applied";
    }

    @Override
    public Class<ExportParams> paramsType() {
        return ExportParams.class;
    }

    @Override
    public List<String> outputs(ExportParams params) {
        return List.of("artifacts/" + DIRECTORY + "/" + ArtifactManifest.FILE);
    }

    /** The plan carried and the file it came from. */
    private record Chosen(AttentionPlan plan, String from, boolean fromSource) {
        Chosen(AttentionPlan plan, String from) {
            this(plan, from, false);
        }
    }

    private static Chosen choosePlan(ExportParams params, Path artifacts, ModelArtifact source) {
        if (params.file() != null)
            return new Chosen(HeadroomPlanReader.read(Path.of(params.file())), params.file());
        List<String> names =
                params.plan() != null
                        ? List.of(params.plan())
                        : List.of("kv_plan.json", AttentionPlan.FILE);
        for (String n : names) {
            Path f = artifacts.resolve(n);
            if (Files.isRegularFile(f)) return new Chosen(HeadroomPlanReader.read(f), n);
            if (params.plan() != null)
                throw new HeadroomException(
                        f + ": not found; export's plan names a file this run's stages wrote");
        }
        if (source != null && source.plan() != null)
            return new Chosen(
                    source.plan(), source.directory() + "/" + ModelArtifact.PLAN_FILE, true);
        return new Chosen(null, null);
    }

    /**
     * A plan taken from the source export, when this run's quantize_kv applied widths and the plan
     * has none: the plan with them (spans planned before, KV bits now).
     */
    private static Chosen withRunsKvWidths(Chosen c, Path artifacts, ModelConfig config) {
        if (c.plan() == null
                || c.plan().kvQuantization() != null
                || !c.fromSource()
                || !Files.isRegularFile(artifacts.resolve(KvQuantArtifact.FILE))) return c;
        KvQuantization q =
                KvQuantArtifact.read(artifacts, config.numLayers(), config.numKvHeads())
                        .quantization();
        if (!q.quantizesAny()) return c;
        return new Chosen(
                c.plan().withKvQuantization(q), c.from() + " + " + KvQuantArtifact.FILE, true);
    }

    @Override
    public void run(ExportParams params, StageContext context) {
        Path artifacts = context.artifacts(), model = context.model().directory();
        ModelConfig config = context.model().config();
        ModelArtifact source = ModelArtifact.isArtifact(model) ? ModelArtifact.open(model) : null;
        String sourceSha = ModelIdentity.configHash(model);
        Chosen chosen = withRunsKvWidths(choosePlan(params, artifacts, source), artifacts, config);
        if (chosen.plan() != null) {
            String made = chosen.plan().modelConfigHash();
            if (!made.isEmpty() && !made.equals(sourceSha))
                throw new HeadroomException(
                        chosen.from() + ": made for another model than " + model);
            chosen.plan().checkFits(config, Path.of(chosen.from()));
        }
        Path linear = linearFile(params, artifacts, source);
        Path tmp = artifacts.resolve(TMP), target = artifacts.resolve(DIRECTORY);
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            List<ModelFiles.Carried> files =
                    new ArrayList<>(ModelFiles.of(model, params.portableOrDefault()));
            if (linear != null)
                files.add(
                        new ModelFiles.Carried(
                                linear.toAbsolutePath().toString(),
                                ModelArtifact.LINEAR_FILE,
                                ModelFiles.Placement.COPY));
            Pipeline pipeline = context.newPipeline();
            pipeline.apply(
                            "Carried files",
                            Create.of(files)
                                    .withCoder(SerializableCoder.of(ModelFiles.Carried.class)))
                    .apply("Place and hash", ParDo.of(new PlaceFilesFn(tmp)));
            context.run(pipeline, files.size(), "files");
            Map<String, String> known = new TreeMap<>(), how = new TreeMap<>();
            readHashRecords(tmp, known, how);
            if (chosen.plan() != null) {
                chosen.plan().write(tmp.resolve(ModelArtifact.PLAN_FILE));
                Files.createDirectories(tmp.resolve("exports"));
                PlanExports.writeAll(
                        chosen.plan(),
                        tmp.resolve("exports"),
                        config.numLayers(),
                        config.numKvHeads(),
                        config.groupSize());
            }
            Path kvQuant = artifacts.resolve(ModelArtifact.KV_QUANT_FILE);
            if (!Files.isRegularFile(kvQuant) && source != null)
                kvQuant = source.directory().resolve(ModelArtifact.KV_QUANT_FILE);
            if (Files.isRegularFile(kvQuant))
                Files.copy(kvQuant, tmp.resolve(ModelArtifact.KV_QUANT_FILE));
            LinearHeads heads =
                    linear == null
                            ? null
                            : LinearHeads.read(linear, config.numLayers(), config.numKvHeads());
            String weights = String.join(", ", new TreeSet<>(weightPlacements(how)));
            ObjectNode cfg =
                    ExportedConfig.of(
                            model,
                            sourceSha,
                            chosen.plan(),
                            heads,
                            config,
                            weights,
                            provenance(source, context, chosen.from()));
            AtomicFiles.writeJson(tmp.resolve("config.json"), cfg);
            AtomicFiles.writeString(
                    tmp.resolve("README.md"),
                    ArtifactReadme.of(
                            model,
                            planLine(chosen.plan(), chosen.from()),
                            heads,
                            config,
                            weights,
                            context.runDirectory()));
            deleteTree(tmp.resolve(PlaceFilesFn.HASHES));
            ArtifactManifest.write(tmp, known);
            Path old = artifacts.resolve(OLD);
            deleteTree(old);
            if (Files.exists(target)) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelArtifact.open(target); // what a user opens must open
    }

    /** Chosen plan's description for the README. */
    static String planLine(AttentionPlan plan, String from) {
        if (plan == null) return "no plan: every head keeps its full cache in bf16";
        KvQuantization q = plan.kvQuantization();
        long windows = plan.heads().stream().filter(h -> !h.isFull()).count();
        return plan.method()
                + " plan from "
                + from
                + ": "
                + windows
                + " of "
                + plan.heads().size()
                + " KV heads on sink + window spans"
                + (q == null ? ", bf16 cache" : ", KV bits " + bitsSummary(plan));
    }

    /** 16, 4, ... for keys and values at one width; 4/2 for 4-bit keys and 2-bit values. */
    private static String schemeName(KvScheme s) {
        return s.isUniform() ? String.valueOf(s.keyBits()) : s.keyBits() + "/" + s.valueBits();
    }

    static String bitsSummary(AttentionPlan plan) {
        Map<String, Integer> count = new TreeMap<>(Comparator.reverseOrder());
        for (HeadSpan h : plan.heads())
            count.merge(schemeName(plan.scheme(h.layer(), h.kvHead())), 1, Integer::sum);
        StringBuilder sb = new StringBuilder();
        count.forEach(
                (b, n) ->
                        sb.append(sb.length() == 0 ? "" : ", ").append(n).append(" x ").append(b));
        return sb.toString();
    }

    private static Path linearFile(ExportParams params, Path artifacts, ModelArtifact source) {
        Path run = artifacts.getParent().resolve(LinearHeads.FILE);
        if (params.linear() != null && !params.linear()) return null;
        if (Files.isRegularFile(run)) return run;
        if (source != null && source.linear())
            return source.directory().resolve(ModelArtifact.LINEAR_FILE);
        if (params.linear() != null)
            throw new HeadroomException(
                    run + ": not found; export's linear: true needs a linearize stage before it");
        return null;
    }

    private static void readHashRecords(Path tmp, Map<String, String> sha, Map<String, String> how)
            throws IOException {
        Path dir = tmp.resolve(PlaceFilesFn.HASHES);
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String[] r = Files.readString(p).trim().split(" ", 2);
                String target = PlaceFilesFn.targetOf(p.getFileName().toString());
                sha.put(target, r[0]);
                how.put(target, r[1]);
            }
        }
    }

    private static List<String> weightPlacements(Map<String, String> how) {
        List<String> out = new ArrayList<>();
        how.forEach(
                (f, h) -> {
                    if (f.endsWith(".safetensors")) out.add(h);
                });
        return out;
    }

    /** This run's provenance entry after the source export's. */
    private static ArrayNode provenance(ModelArtifact source, StageContext context, String plan)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        ArrayNode list = om.createArrayNode();
        if (source != null) source.provenance().forEach(list::add);
        ObjectNode run = om.createObjectNode();
        run.put("run_directory", context.runDirectory().toAbsolutePath().toString());
        run.put("model", context.model().directory().toAbsolutePath().toString());
        Path configHash = context.artifacts().resolve("config.sha256");
        if (Files.isRegularFile(configHash))
            run.put("config_sha256", Files.readString(configHash).trim());
        ArrayNode stages = run.putArray("stages");
        Path dir = context.artifacts().resolve("stages");
        if (Files.isDirectory(dir))
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.sorted().toList()) {
                    JsonNode n = om.readTree(p.toFile());
                    ObjectNode st = stages.addObject();
                    st.put("stage", n.path("stage").asText());
                    st.put("hash", n.path("hash").asText());
                }
            }
        if (plan != null) run.put("plan", plan);
        run.put("exported_at", Instant.now().toString());
        list.add(run);
        return list;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Override
    public void report(ExportParams params, StageContext context, RunReport report) {
        Path dir = context.artifacts().resolve(DIRECTORY);
        ModelArtifact a = ModelArtifact.open(dir);
        String text =
                "export: "
                        + dir
                        + "\n  "
                        + planLine(a.plan(), ModelArtifact.PLAN_FILE)
                        + (a.linear() ? "\n  linearized heads: " + ModelArtifact.LINEAR_FILE : "")
                        + "\n  run it: ./runners/headroom generate --model "
                        + dir
                        + " --prompt ...";
        report.console(text);
        report.section("Exported model", "<pre>" + text.replace("<", "&lt;") + "</pre>");
    }
}
