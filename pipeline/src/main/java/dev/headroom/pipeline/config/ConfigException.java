package dev.headroom.pipeline.config;

import dev.headroom.attention.HeadroomException;

/** A config that cannot be used: {@code file:line:column: key: problem}. */
public final class ConfigException extends HeadroomException {

    public ConfigException(String message) {
        super(message);
    }
}
