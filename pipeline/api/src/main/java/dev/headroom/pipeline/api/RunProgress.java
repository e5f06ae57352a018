package dev.headroom.pipeline.api;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Work done so far in this JVM, per run key, so that the driver can print progress while a runner
 * that executes in the same JVM (the DirectRunner, an embedded Flink mini-cluster) works. DoFns
 * call {@link #workDone}; on a remote cluster nobody listens and the calls cost nothing. Beam
 * {@code Metrics} count the same work for the runner's own reporting.
 */
public final class RunProgress {

    private static final ConcurrentHashMap<String, AtomicLong> DONE = new ConcurrentHashMap<>();

    private RunProgress() {}

    /** Starts listening for a key (resets its count). */
    public static void listen(String key) {
        DONE.put(key, new AtomicLong());
    }

    public static void stopListening(String key) {
        DONE.remove(key);
    }

    public static void workDone(String key) {
        if (key != null) {
            AtomicLong count = DONE.get(key);
            if (count != null) {
                count.incrementAndGet();
            }
        }
    }

    public static long done(String key) {
        AtomicLong count = DONE.get(key);
        return count == null ? 0 : count.get();
    }
}
