package dev.headroom.pipeline.api;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The parameters of one entry of a config's {@code stages} list: a record whose components are the
 * entry's keys (snake_case in YAML). The entry's {@code stage} key picks the record type through
 * the {@link StageRegistry}.
 */
@JsonTypeInfo(
        use = JsonTypeInfo.Id.NAME,
        include = JsonTypeInfo.As.PROPERTY,
        property = StageParams.TYPE_KEY)
public interface StageParams {

    /** The YAML key that names a stage. */
    String TYPE_KEY = "stage";

    /**
     * Checks the values (ranges, files, what the model supports); keys are relative to the entry.
     */
    void validate(ConfigProblems problems, ModelFacts model);
}
