package dev.headroom.pipeline.api;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An attention method as a config gives it: {@code - method: uniform} with the method's keys. The
 * {@code method} key picks the record type through the {@link MethodRegistry}.
 */
@JsonTypeInfo(
        use = JsonTypeInfo.Id.NAME,
        include = JsonTypeInfo.As.PROPERTY,
        property = MethodSpec.TYPE_KEY)
public interface MethodSpec {

    /** The YAML key that names a method. */
    String TYPE_KEY = "method";

    /** Checks the values; keys are relative to the method's entry. */
    void validate(ConfigProblems problems, ModelFacts model);

    /** The label reports use; unique within a stage. */
    String label();

    /**
     * The method with its policy; a method that reads an artifact (a plan) finds it through the
     * context.
     */
    EvalMethod resolve(StageContext context);
}
