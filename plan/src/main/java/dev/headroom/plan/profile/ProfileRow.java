package dev.headroom.plan.profile;

import java.io.Serializable;

/**
 * One measurement of one query head at one input length: a row of the {@code profile_heads} table.
 * Metrics: {@code influence_bin_K} (MoA influence of keys at distance [K b, (K+1) b), sink
 * excluded), {@code retrieval_score}, {@code sink_mass}, {@code local_mass}, {@code entropy}.
 */
public record ProfileRow(int layer, int head, int kvHead, int length, String metric, double value)
        implements Serializable {

    public static final String INFLUENCE_PREFIX = "influence_bin_";
    public static final String RETRIEVAL = "retrieval_score";
    public static final String SINK_MASS = "sink_mass";
    public static final String LOCAL_MASS = "local_mass";
    public static final String ENTROPY = "entropy";

    /** The key that samples are averaged over: everything but the value. */
    public String key() {
        return layer + "/" + head + "/" + kvHead + "/" + length + "/" + metric;
    }
}
