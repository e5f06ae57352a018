package dev.headroom.pipeline.stage.profile;

import dev.headroom.attention.HeadroomException;
import dev.headroom.eval.harness.TaskSpec;
import dev.headroom.pipeline.config.CalibrationSettings;
import dev.headroom.pipeline.registry.StageContext;
import dev.headroom.pipeline.registry.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.profile.CalibrationSpec;
import dev.headroom.stages.profile.ProfileHeads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code profile} stage: calibration samples (the config's {@code calibration} section) through
 * {@link ProfileHeads}, written as {@code reports/profile_heads.parquet}.
 *
 * <p>Graph: {@code Create calibration samples} → {@code Profile} → {@code Write profile_heads}.
 */
public final class ProfileStage implements StageDefinition<ProfileParams> {
    public static final String NAME = "profile";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "per-head MoA influence, retrieval scores and attention statistics on calibration data";
    }

    @Override
    public Class<ProfileParams> paramsType() {
        return ProfileParams.class;
    }

    @Override
    public List<String> outputs(ProfileParams params) {
        return List.of("reports/" + ProfileTables.HEADS.fileName());
    }

    /**
     * One spec per calibration task × length × sample, needle depths spread evenly over the samples; or, for a
     * JSONL source, one per line (lines {@code firstLine ..}) × length.
     */
    public static List<CalibrationSpec> samples(CalibrationSettings c, boolean align, int firstLine) {
        if (c == null || c.lengths() == null || c.lengths().isEmpty()) {
            throw new HeadroomException("profile: the config needs a calibration section with lengths");
        }
        if (CalibrationSettings.JSONL.equals(c.sourceOrDefault())) {
            return JsonlCalibration.read(Path.of(c.jsonl()), c.lengths(), firstLine, c.samplesOrDefault());
        }
        List<String> tasks = c.tasks() == null || c.tasks().isEmpty() ? List.of("passkey") : c.tasks();
        List<CalibrationSpec> specs = new ArrayList<>();
        int n = c.samplesOrDefault();
        for (String t : tasks) {
            for (int len : c.lengths()) {
                for (int s = 0; s < n; s++) specs.add(new CalibrationSpec(TaskSpec.of(t), len, (s + 0.5) / n, s, c.seedOrDefault(), align));
            }
        }
        return specs;
    }

    @Override
    public void run(ProfileParams params, StageContext context) {
        List<CalibrationSpec> specs = samples(context.config().calibration(), params.alignAnswersOrDefault(), 0);
        Pipeline pipeline = context.newPipeline();
        PCollection<ProfileRow> rows = pipeline
                .apply("Create calibration samples", Create.of(specs).withCoder(SerializableCoder.of(CalibrationSpec.class)))
                .apply("Profile", new ProfileHeads(context.model().directory().toString(), params.addBosOrDefault(),
                        params.blockOrDefault(), params.sinkOrDefault(), params.localDistanceOrDefault(), params.lossTemperatureOrDefault(),
                        context.progressKey()));
        rows.apply("Write profile_heads", ParquetTables.write(ProfileTables.HEADS, context.reports(), context.tempDirectory()));
        context.run(pipeline, specs.size(), "samples");
    }

    @Override
    public void report(ProfileParams params, StageContext context, RunReport report) {
        List<ProfileRow> rows = ParquetTables.read(ProfileTables.HEADS, context.reports().resolve(ProfileTables.HEADS.fileName()));
        report.section("Profile", ProfileFigures.retrievalMap(rows, context.model().config().numLayers(), context.model().config().numHeads()));
        report.console(ProfileFigures.consoleSummary(rows));
    }
}
