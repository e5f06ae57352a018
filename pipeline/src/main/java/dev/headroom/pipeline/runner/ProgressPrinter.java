package dev.headroom.pipeline.runner;

import dev.headroom.stages.progress.RunProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Prints "stage: done/total unit, elapsed, ETA" to stderr every few seconds while a stage runs in
 * this JVM, reading {@link RunProgress}.
 */
public final class ProgressPrinter implements AutoCloseable {

    private static final long PERIOD_MILLIS = 5_000;

    private final String stage;
    private final String key;
    private final long total;
    private final String unit;
    private final PrintStream err;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    public ProgressPrinter(String stage, String key, long total, String unit, PrintStream err) {
        this.stage = stage;
        this.key = key;
        this.total = total;
        this.unit = unit;
        this.err = err;
        RunProgress.listen(key);
        thread = new Thread(this::loop, "headroom-progress-" + stage);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long last = -1;
        while (running) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long done = RunProgress.done(key);
            if (running && done != last) {
                err.println(line(done));
                last = done;
            }
        }
    }

    /** "evaluate: 12/40 cases (30%), 0:41 elapsed, ETA 1:35". */
    String line(long done) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String eta = done == 0 ? "ETA unknown" : "ETA " + clock(elapsed / done * (total - done));
        return String.format(Locale.ROOT, "%s: %d/%d %s (%d%%), %s elapsed, %s", stage, done, total, unit,
                total == 0 ? 100 : done * 100 / total, clock(elapsed), eta);
    }

    public static String clock(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return d.toHours() > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
    }

    /** Stops printing and prints the final count. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        err.println(line(RunProgress.done(key)));
        RunProgress.stopListening(key);
    }
}
