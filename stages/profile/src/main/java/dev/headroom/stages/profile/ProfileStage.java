package dev.headroom.stages.profile;

import dev.headroom.pipeline.api.StageContext;
import dev.headroom.pipeline.api.StageDefinition;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.pipeline.report.RunReport;
import dev.headroom.plan.profile.ProfileRow;
import dev.headroom.stages.shared.CalibrationSource;
import dev.headroom.stages.shared.CalibrationSpec;
import dev.headroom.stages.shared.ProfileSettings;
import dev.headroom.stages.shared.ProfileTables;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code profile} stage: calibration samples (the config's {@code calibration} section) through
 * {@link ProfileHeads}, written as {@code reports/profile_heads.parquet}, with its settings in
 * {@code artifacts/profile.json} for the stages that read the table.
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
        return List.of(
                "reports/" + ProfileTables.HEADS.fileName(), "artifacts/" + ProfileSettings.FILE);
    }

    @Override
    public void run(ProfileParams params, StageContext context) {
        List<CalibrationSpec> specs =
                new CalibrationSource(context.calibration())
                        .fitting(params.alignAnswersOrDefault());
        try {
            new ProfileSettings(
                            params.sinkOrDefault(),
                            params.blockOrDefault(),
                            params.addBosOrDefault())
                    .write(context.artifacts());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Pipeline pipeline = context.newPipeline();
        PCollection<ProfileRow> rows =
                pipeline.apply(
                                "Create calibration samples",
                                Create.of(specs)
                                        .withCoder(SerializableCoder.of(CalibrationSpec.class)))
                        .apply(
                                "Profile",
                                new ProfileHeads(
                                        context.model().directory().toString(),
                                        params.addBosOrDefault(),
                                        params.blockOrDefault(),
                                        params.sinkOrDefault(),
                                        params.localDistanceOrDefault(),
                                        params.lossTemperatureOrDefault(),
                                        context.progressKey()));
        rows.apply(
                "Write profile_heads",
                ParquetTables.write(
                        ProfileTables.HEADS, context.reports(), context.tempDirectory()));
        context.run(pipeline, specs.size(), "samples");
    }

    @Override
    public void report(ProfileParams params, StageContext context, RunReport report) {
        List<ProfileRow> rows =
                ParquetTables.read(
                        ProfileTables.HEADS,
                        context.reports().resolve(ProfileTables.HEADS.fileName()));
        report.section(
                "Profile",
                ProfileFigures.retrievalMap(
                        rows,
                        context.model().config().numLayers(),
                        context.model().config().numHeads()));
        report.console(ProfileFigures.consoleSummary(rows));
    }
}
