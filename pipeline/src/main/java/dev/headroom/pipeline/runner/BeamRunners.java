package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.config.RunnerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

    /**
     * Refuses, in one line and within seconds, a Flink master at {@code host:port} where no
     * JobManager's REST endpoint answers (FlinkRunner itself retries for a minute and then fails
     * with a generic "Pipeline execution failed").
     */
    public static void checkReachable(RunnerSettings settings) {
        String master = settings.flinkMasterOrDefault();
        if (settings.nameOrDefault() != RunnerKind.FLINK
                || master.equals(RunnerSettings.LOCAL_FLINK)) return;
        String problem;
        try {
            HttpResponse<Void> r =
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(3))
                            .build()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://" + master + "/overview"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) return;
            problem = "its REST endpoint answered HTTP " + r.statusCode();
        } catch (java.io.IOException | IllegalArgumentException e) {
            problem =
                    e instanceof java.net.ConnectException
                            ? "connection refused"
                            : e.getClass().getSimpleName()
                                    + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        throw new HeadroomException(
                "flink master "
                        + master
                        + ": no Flink JobManager answers there ("
                        + problem
                        + "); start one with ./runners/flink-cluster start, or leave out"
                        + " --flink-master for the embedded mini-cluster");
    }

    public static PipelineOptions options(RunnerSettings settings, String jobName) {
        int parallelism = settings.parallelismOrDefault();
        if (settings.nameOrDefault() == RunnerKind.FLINK) {
            FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
            flink.setRunner(FlinkRunner.class);
            flink.setFlinkMaster(settings.flinkMasterOrDefault());
            flink.setParallelism(parallelism);
            flink.setMaxParallelism(Math.max(parallelism, 1));
            flink.setJobName(jobName);
            // detached on a cluster: the driver polls the job's metrics while it runs
            // (PipelineJobs);
            // Beam runs the embedded mini-cluster attached only
            flink.setAttachedMode(
                    settings.flinkMasterOrDefault().equals(RunnerSettings.LOCAL_FLINK));
            flink.setFasterCopy(true); // elements are never mutated after output
            return flink;
        }
        DirectOptions direct = PipelineOptionsFactory.as(DirectOptions.class);
        direct.setRunner(DirectRunner.class);
        direct.setTargetParallelism(parallelism);
        direct.setBlockOnRun(false); // the driver polls the job's metrics while it runs
        direct.setJobName(jobName);
        return direct;
    }
}
