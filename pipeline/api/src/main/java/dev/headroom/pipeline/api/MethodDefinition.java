package dev.headroom.pipeline.api;

/**
 * A method kind: its config name and its spec record. Registered in {@code
 * META-INF/services/dev.headroom.pipeline.api.MethodDefinition}.
 */
public interface MethodDefinition {

    /** The value of {@code method:} in a config. */
    String name();

    Class<? extends MethodSpec> specType();
}
