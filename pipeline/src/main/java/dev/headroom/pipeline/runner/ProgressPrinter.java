package dev.headroom.pipeline.runner;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.api.RunProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Prints "stage: done/total unit, elapsed, ETA" to stderr every 5 s while a stage's pipeline runs,
 * reading the count from {@code done} (the job's {@link RunProgress} counter, polled from the
 * runner). It prints every 5 s even when the count does not move (a stage whose DoFns report no
 * units still shows its elapsed time) and announces the total when it starts; the ETA on each line
 * follows the rate so far. (The evaluate stage prints its own estimate before it starts, from timed
 * probe cases.)
 *
 * <p>{@link #watch} is the stage-level side, opened by {@link HeadroomRun} around a whole stage: it
 * ticks "stage: running, 0:35 elapsed" every 5 s while the stage works outside a counted pipeline
 * (a search in the driver, reading inputs), and it holds the most units a pipeline of that stage
 * may count before the run is refused ({@code runner.max_units}, or {@code --yes}).
 */
public final class ProgressPrinter implements AutoCloseable {

    static final long PERIOD_MILLIS = 5_000;

    /** Stage watches by progress key: the unit limit, and whether a counting printer is running. */
    private static final Map<String, Watch> WATCHES = new ConcurrentHashMap<>();

    private final String stage;
    private final String key;
    private final long total;
    private final String unit;
    private final PrintStream err;
    private final LongSupplier nanos;
    private final long startNanos;
    private final Watch watch;
    private final LongSupplier done;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param done the units finished so far, asked every period and once at the end
     */
    public ProgressPrinter(
            String stage, String key, long total, String unit, PrintStream err, LongSupplier done) {
        this(stage, key, total, unit, err, done, System::nanoTime, true);
    }

    /**
     * With a clock and without the printing thread, for tests that call {@link #tick} themselves.
     */
    ProgressPrinter(
            String stage,
            String key,
            long total,
            String unit,
            PrintStream err,
            LongSupplier done,
            LongSupplier nanos,
            boolean thread) {
        this.stage = stage;
        this.key = key;
        this.done = done;
        this.total = total;
        this.unit = unit;
        this.err = err;
        this.nanos = nanos;
        this.watch = key == null ? null : WATCHES.get(key);
        if (watch != null && total > watch.maxUnits) {
            throw new HeadroomException(
                    String.format(
                            Locale.ROOT,
                            "%s: %,d %s to run, more than the %,d a stage runs without"
                                    + " confirmation (runner.max_units); %s",
                            stage,
                            total,
                            unit,
                            watch.maxUnits,
                            watch.confirmHint.replace("{N}", Long.toString(total))));
        }
        this.startNanos = nanos.getAsLong();
        if (watch != null) {
            watch.counting = true;
        }
        if (total > 0) {
            err.println(String.format(Locale.ROOT, "%s: %,d %s to run", stage, total, unit));
        }
        if (thread) {
            this.thread = new Thread(this::loop, "headroom-progress-" + stage);
            this.thread.setDaemon(true);
            this.thread.start();
        } else {
            this.thread = null;
        }
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (running) {
                tick();
            }
        }
    }

    /** One period: the progress line. */
    void tick() {
        err.println(line(done.getAsLong()));
    }

    private double elapsedSeconds() {
        return (nanos.getAsLong() - startNanos) / 1e9;
    }

    /**
     * "evaluate: 12/40 cases (30%), 0:41 elapsed, ETA 1:35"; without a total, "search: 0:41
     * elapsed".
     */
    String line(long done) {
        double elapsed = elapsedSeconds();
        if (total <= 0) {
            return String.format(
                    Locale.ROOT,
                    "%s: %s elapsed%s",
                    stage,
                    clock(elapsed),
                    done > 0 ? ", " + done + " " + unit : "");
        }
        String eta =
                done == 0
                        ? "ETA unknown (no " + unit + " finished yet)"
                        : "ETA " + clock(elapsed / done * (total - done));
        return String.format(
                Locale.ROOT,
                "%s: %d/%d %s (%d%%), %s elapsed, %s",
                stage,
                done,
                total,
                unit,
                done * 100 / total,
                clock(elapsed),
                eta);
    }

    public static String clock(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return d.toHours() > 0
                ? String.format(
                        Locale.ROOT,
                        "%d:%02d:%02d",
                        d.toHours(),
                        d.toMinutesPart(),
                        d.toSecondsPart())
                : String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
    }

    /** Stops printing and prints the final count. */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
        if (watch != null) {
            watch.counting = false;
        }
        err.println(line(done.getAsLong()));
    }

    /**
     * Watches a whole stage: prints "{@code stage}: running, M:SS elapsed" every 5 s while no
     * counting printer for {@code key} runs, and refuses a counted pipeline of more than {@code
     * maxUnits} units with {@code confirmHint} ({@code {N}} stands for the count). Close it when
     * the stage ends.
     */
    public static Watch watch(
            String stage, String key, long maxUnits, String confirmHint, PrintStream err) {
        Watch w = new Watch(stage, key, maxUnits, confirmHint, err, System::nanoTime, true);
        WATCHES.put(key, w);
        return w;
    }

    /** A stage being watched; see {@link ProgressPrinter#watch}. */
    public static final class Watch implements AutoCloseable {
        private final String stage;
        private final String key;
        final long maxUnits;
        final String confirmHint;
        private final PrintStream err;
        private final LongSupplier nanos;
        private final long startNanos;
        private final Thread thread;
        private volatile boolean running = true;
        volatile boolean counting;

        Watch(
                String stage,
                String key,
                long maxUnits,
                String confirmHint,
                PrintStream err,
                LongSupplier nanos,
                boolean thread) {
            this.stage = stage;
            this.key = key;
            this.maxUnits = maxUnits;
            this.confirmHint = confirmHint;
            this.err = err;
            this.nanos = nanos;
            this.startNanos = nanos.getAsLong();
            if (thread) {
                this.thread = new Thread(this::loop, "headroom-stage-" + stage);
                this.thread.setDaemon(true);
                this.thread.start();
            } else {
                this.thread = null;
            }
        }

        private void loop() {
            while (running) {
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (running) {
                    tick();
                }
            }
        }

        /** One period: the elapsed line, unless a counting printer is already printing. */
        void tick() {
            if (!counting) {
                err.println(
                        String.format(
                                Locale.ROOT,
                                "%s: running, %s elapsed",
                                stage,
                                clock((nanos.getAsLong() - startNanos) / 1e9)));
            }
        }

        @Override
        public void close() {
            running = false;
            if (thread != null) {
                thread.interrupt();
            }
            WATCHES.remove(key, this);
        }
    }

    /** Registers a watch without its thread (tests). */
    static Watch watchForTest(
            String stage,
            String key,
            long maxUnits,
            String confirmHint,
            PrintStream err,
            LongSupplier nanos) {
        Watch w = new Watch(stage, key, maxUnits, confirmHint, err, nanos, false);
        WATCHES.put(key, w);
        return w;
    }
}
