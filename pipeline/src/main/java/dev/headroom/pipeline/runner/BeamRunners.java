package dev.headroom.pipeline.runner;

import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.config.RunnerSettings;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Pipeline options for the configured runner: the DirectRunner (default) or Flink, either an
 * embedded mini-cluster ({@code [local]}) or a session cluster at {@code host:port}.
 */
public final class BeamRunners {

    private BeamRunners() {}

    public static PipelineOptions options(RunnerSettings settings, String jobName) {
        int parallelism = settings.parallelismOrDefault();
        if (settings.nameOrDefault() == RunnerKind.FLINK) {
            FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
            flink.setRunner(FlinkRunner.class);
            flink.setFlinkMaster(settings.flinkMasterOrDefault());
            flink.setParallelism(parallelism);
            flink.setMaxParallelism(Math.max(parallelism, 1));
            flink.setJobName(jobName);
            flink.setAttachedMode(true);
            flink.setFasterCopy(true); // elements are never mutated after output
            return flink;
        }
        DirectOptions direct = PipelineOptionsFactory.as(DirectOptions.class);
        direct.setRunner(DirectRunner.class);
        direct.setTargetParallelism(parallelism);
        direct.setBlockOnRun(true);
        direct.setJobName(jobName);
        return direct;
    }
}
