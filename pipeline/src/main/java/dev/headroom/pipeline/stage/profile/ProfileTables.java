package dev.headroom.pipeline.stage.profile;

import dev.headroom.pipeline.report.AvroTable;
import dev.headroom.plan.profile.ProfileRow;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The profile stage's table, {@code profile_heads}: one row per layer × head × length × metric. */
public final class ProfileTables {
    private ProfileTables() {
    }

    public static final AvroTable<ProfileRow> HEADS = new AvroTable<>() {
        @Override
        public String name() {
            return "profile_heads";
        }

        @Override
        public String schemaJson() {
            return """
                {"type": "record", "name": "ProfileHead", "namespace": "dev.headroom.reports",
                 "doc": "One head's measurement at one calibration length, averaged over samples.",
                 "fields": [
                  {"name": "layer", "type": "int"},
                  {"name": "head", "type": "int", "doc": "query head"},
                  {"name": "kv_head", "type": "int", "doc": "the KV head the query head reads"},
                  {"name": "length", "type": "int", "doc": "calibration prompt length in tokens"},
                  {"name": "metric", "type": "string", "doc": "influence_bin_K (MoA influence of keys at distance [K b, (K+1) b), sink excluded), retrieval_score, sink_mass, local_mass, entropy"},
                  {"name": "value", "type": "double"}
                 ]}""";
        }

        @Override
        public GenericRecord toRecord(ProfileRow r, Schema schema) {
            GenericRecord g = new GenericData.Record(schema);
            g.put("layer", r.layer());
            g.put("head", r.head());
            g.put("kv_head", r.kvHead());
            g.put("length", r.length());
            g.put("metric", r.metric());
            g.put("value", r.value());
            return g;
        }

        @Override
        public ProfileRow fromRecord(GenericRecord g) {
            return new ProfileRow((Integer) g.get("layer"), (Integer) g.get("head"), (Integer) g.get("kv_head"),
                    (Integer) g.get("length"), g.get("metric").toString(), (Double) g.get("value"));
        }
    };
}
