package dev.headroom.pipeline.config;

import dev.headroom.pipeline.api.ConfigProblems;

/**
 * The {@code runner} section. Command-line flags override it.
 *
 * @param name the runner; default {@link RunnerKind#DIRECT}
 * @param parallelism workers; default: the machine's cores
 * @param flinkMaster {@code [local]} (default: an embedded mini-cluster) or {@code host:port} of a
 *     session cluster
 * @param maxUnits the most units of work (evaluate cases, profile samples) one stage runs without
 *     confirmation; default {@value #DEFAULT_MAX_UNITS}; {@code --yes} lifts it
 */
public record RunnerSettings(
        RunnerKind name, Integer parallelism, String flinkMaster, Long maxUnits) {

    public static final String LOCAL_FLINK = "[local]";
    public static final long DEFAULT_MAX_UNITS = 100_000;

    public static RunnerSettings defaults() {
        return new RunnerSettings(null, null, null, null);
    }

    public long maxUnitsOrDefault() {
        return maxUnits == null ? DEFAULT_MAX_UNITS : maxUnits;
    }

    public RunnerKind nameOrDefault() {
        return name == null ? RunnerKind.DIRECT : name;
    }

    public int parallelismOrDefault() {
        return parallelism == null ? Runtime.getRuntime().availableProcessors() : parallelism;
    }

    public String flinkMasterOrDefault() {
        return flinkMaster == null || flinkMaster.equals("local") ? LOCAL_FLINK : flinkMaster;
    }

    /**
     * These settings with the non-null overrides applied; a Flink master alone implies the Flink
     * runner.
     */
    public RunnerSettings overriddenBy(
            RunnerKind runner, Integer parallelismOverride, String master) {
        if (runner == null && master != null) {
            runner = RunnerKind.FLINK;
        }
        return new RunnerSettings(
                runner != null ? runner : name,
                parallelismOverride != null ? parallelismOverride : parallelism,
                master != null ? master : flinkMaster,
                maxUnits);
    }

    void validate(ConfigProblems p) {
        p.range(parallelism, "parallelism", 1, 1024);
        p.range(maxUnits, "max_units", 1, Long.MAX_VALUE);
        if (flinkMaster != null && !isValidFlinkMaster(flinkMaster)) {
            p.error("flink_master", "'" + flinkMaster + "' is neither [local] nor host:port");
        }
    }

    /** {@code [local]}, {@code local} or {@code host:port}. */
    public static boolean isValidFlinkMaster(String master) {
        return master.equals(LOCAL_FLINK)
                || master.equals("local")
                || master.matches("[^:\\s]+:[0-9]{1,5}");
    }
}
