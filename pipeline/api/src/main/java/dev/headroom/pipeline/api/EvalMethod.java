package dev.headroom.pipeline.api;

import dev.headroom.attention.policy.AttentionPolicy;
import java.io.Serializable;
import java.util.Objects;

/**
 * An attention method under evaluation: the label reports use and the policy the runtime applies.
 *
 * @param label unique within a run, e.g. {@code dense} or {@code uniform-w25}
 * @param policy the serializable policy; its {@link AttentionPolicy#name()} is reported alongside
 */
public record EvalMethod(String label, AttentionPolicy policy) implements Serializable {

    public EvalMethod {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(policy, "policy");
    }

    // Policies need not implement equals; two methods are the same when label, policy type and name
    // are.
    @Override
    public boolean equals(Object o) {
        return o instanceof EvalMethod m
                && label.equals(m.label)
                && policy.getClass() == m.policy.getClass()
                && policy.name().equals(m.policy.name());
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, policy.getClass().getName(), policy.name());
    }
}
