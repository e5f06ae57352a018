package dev.headroom.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.headroom.pipeline.api.ConfigWord;

/** {@code runner.name} and {@code --runner}: the Beam runner the stages run on. */
public enum RunnerKind implements ConfigWord {
    /** Beam's DirectRunner, in this JVM. */
    DIRECT("direct"),
    /** Flink: an embedded mini-cluster or a session cluster ({@code flink_master}). */
    FLINK("flink");

    private final String word;

    RunnerKind(String word) {
        this.word = word;
    }

    @JsonValue
    @Override
    public String word() {
        return word;
    }

    /** The config's value, as bound: refused unless it is one of the words. */
    @JsonCreator
    static RunnerKind fromConfig(Object value) {
        return ConfigWord.parse(RunnerKind.class, value, "runner");
    }

    /**
     * @throws IllegalArgumentException naming the allowed words, for an unknown one
     */
    public static RunnerKind of(String text) {
        return ConfigWord.parse(RunnerKind.class, text, "runner");
    }

    @Override
    public String toString() {
        return word;
    }
}
