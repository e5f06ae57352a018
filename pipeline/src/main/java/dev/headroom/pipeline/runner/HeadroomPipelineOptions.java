package dev.headroom.pipeline.runner;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What every headroom pipeline carries in its options, for the runner's UI and logs: which run and
 * stage it belongs to. The runner-specific options (Direct, Flink) come from {@link BeamRunners}.
 */
public interface HeadroomPipelineOptions extends PipelineOptions {

    @Description("The run directory the pipeline writes into")
    String getRunDirectory();

    void setRunDirectory(String value);

    @Description("SHA-256 of the resolved config")
    String getConfigHash();

    void setConfigHash(String value);

    @Description("The stage this pipeline runs, e.g. evaluate")
    String getStageName();

    void setStageName(String value);
}
