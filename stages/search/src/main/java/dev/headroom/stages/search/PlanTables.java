package dev.headroom.stages.search;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.RecordTable;
import java.io.Serializable;

/**
 * The search stage's tables: {@code plan_heads} (the chosen plans) and {@code plan_front} (the
 * Pareto front).
 */
public final class PlanTables {
    private PlanTables() {}

    /** One KV head of one plan. */
    public record PlanHead(
            String plan,
            int layer,
            int kvHead,
            String kind,
            int sink,
            double alpha,
            double beta,
            int budgetLength,
            int window,
            double density)
            implements Serializable {

        /** Head {@code h} of the plan of method {@code plan}, evaluated at {@code budgetLength}. */
        public static PlanHead of(
                String plan, dev.headroom.attention.plan.HeadSpan h, int budgetLength) {
            return new PlanHead(
                    plan,
                    h.layer(),
                    h.kvHead(),
                    h.kind(),
                    h.sink(),
                    h.alpha(),
                    h.beta(),
                    budgetLength,
                    h.window(budgetLength),
                    h.density(budgetLength));
        }
    }

    /** One plan of a Pareto front (moa or hybrid) at one profiled length. */
    public record FrontPoint(
            int index,
            String method,
            boolean chosen,
            int length,
            double predictedLoss,
            double density,
            double validationLoss)
            implements Serializable {}

    public static final AvroTable<PlanHead> HEADS =
            new RecordTable<>(
                    "plan_heads",
                    PlanHead.class,
                    """
                {"type": "record", "name": "PlanHead", "namespace": "dev.headroom.reports",
                 "doc": "One KV head of a chosen plan: sink + window S(N) = alpha + beta N, evaluated at a budget length.",
                 "fields": [
                  {"name": "plan", "type": "string", "doc": "the plan's method: the chosen plan's (moa or hybrid), or duo"},
                  {"name": "layer", "type": "int"},
                  {"name": "kv_head", "type": "int"},
                  {"name": "kind", "type": "string", "doc": "window, full, streaming or retrieval"},
                  {"name": "sink", "type": "int"},
                  {"name": "alpha", "type": "double"},
                  {"name": "beta", "type": "double", "doc": "1 = full attention"},
                  {"name": "budget_length", "type": "int"},
                  {"name": "window", "type": "int", "doc": "window at budget_length in tokens; 0 = unlimited"},
                  {"name": "density", "type": "double", "doc": "fraction of causal pairs this head computes at budget_length"}
                 ]}""");

    public static final AvroTable<FrontPoint> FRONT =
            new RecordTable<>(
                    "plan_front",
                    FrontPoint.class,
                    """
                {"type": "record", "name": "FrontPoint", "namespace": "dev.headroom.reports",
                 "doc": "One Pareto-front plan of the MoA search at one profiled length.",
                 "fields": [
                  {"name": "index", "type": "int", "doc": "plan index on the front"},
                  {"name": "method", "type": "string", "doc": "moa (elastic spans everywhere) or hybrid (retrieval heads full)"},
                  {"name": "chosen", "type": "boolean", "doc": "the plan validation chose"},
                  {"name": "length", "type": "int", "doc": "profiled length"},
                  {"name": "predicted_loss", "type": "double", "doc": "summed influence of the dropped keys (MoA's predicted loss increase)"},
                  {"name": "density", "type": "double", "doc": "mean density at this length"},
                  {"name": "validation_loss", "type": "double", "doc": "answer loss on held-out data at the validation length"}
                 ]}""");
}
