package dev.headroom.stages.shared;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.pipeline.report.RecordTable;
import dev.headroom.plan.profile.ProfileRow;

/** The profile stage's table, {@code profile_heads}: one row per layer × head × length × metric. */
public final class ProfileTables {
    private ProfileTables() {}

    public static final AvroTable<ProfileRow> HEADS =
            new RecordTable<>(
                    "profile_heads",
                    ProfileRow.class,
                    """
                {"type": "record", "name": "ProfileHead", "namespace": "dev.headroom.reports",
                 "doc": "One head's measurement at one calibration length, averaged over samples.",
                 "fields": [
                  {"name": "layer", "type": "int"},
                  {"name": "head", "type": "int", "doc": "query head"},
                  {"name": "kv_head", "type": "int", "doc": "the KV head the query head reads"},
                  {"name": "length", "type": "int", "doc": "calibration prompt length in tokens"},
                  {"name": "metric", "type": "string", "doc": "influence_bin_K (MoA influence of keys at distance [K b, (K+1) b), sink excluded), retrieval_score, sink_mass, local_mass, entropy"},
                  {"name": "value", "type": "double"}
                 ]}""");
}
