package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.HeadroomException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Progress lines on a fake clock: ticking without units, the ETA, the stage watch and its unit
 * limit.
 */
class ProgressPrinterTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private ByteArrayOutputStream bytes;
    private PrintStream err;

    @BeforeEach
    void setUp() {
        bytes = new ByteArrayOutputStream();
        err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private void advance(double seconds) {
        nanos.addAndGet((long) (seconds * 1e9));
    }

    private List<String> lines() {
        List<String> l = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        bytes.reset();
        return l;
    }

    @Test
    void aStageThatReportsNoUnitsStillShowsItsElapsedTimeEveryPeriod() {
        try (ProgressPrinter p =
                new ProgressPrinter(
                        "search", "k-none", 18, "rows", err, done::get, nanos::get, false)) {
            assertEquals(List.of("search: 18 rows to run"), lines());
            advance(5);
            p.tick();
            advance(5);
            p.tick();
            assertEquals(
                    List.of(
                            "search: 0/18 rows (0%), 0:05 elapsed, ETA unknown (no rows finished yet)",
                            "search: 0/18 rows (0%), 0:10 elapsed, ETA unknown (no rows finished yet)"),
                    lines());
        }
        assertEquals(
                List.of("search: 0/18 rows (0%), 0:10 elapsed, ETA unknown (no rows finished yet)"),
                lines(),
                "close: the last count");
        try (ProgressPrinter p =
                new ProgressPrinter(
                        "search", "k-zero", 0, "rows", err, done::get, nanos::get, false)) {
            advance(65);
            p.tick();
            assertEquals(List.of("search: 1:05 elapsed"), lines());
        }
    }

    @Test
    void announcesTheTotalAndFollowsTheRateOnEachLine() {
        try (ProgressPrinter p =
                new ProgressPrinter(
                        "evaluate", "k-est", 720_000, "cases", err, done::get, nanos::get, false)) {
            assertEquals(List.of("evaluate: 720,000 cases to run"), lines());
            done.set(80);
            advance(20);
            p.tick();
            assertEquals(
                    List.of("evaluate: 80/720000 cases (0%), 0:20 elapsed, ETA 49:59:40"),
                    lines(),
                    "one line per period, no estimate of its own (evaluate probes before)");
        }
        List<String> last = lines();
        assertEquals(1, last.size());
        assertTrue(
                last.get(0).startsWith("evaluate: 80/720000 cases (0%), 0:20 elapsed, ETA "),
                last.get(0));
    }

    @Test
    void theStageWatchTicksUntilACountingPrinterTakesOver() {
        try (ProgressPrinter.Watch w =
                ProgressPrinter.watchForTest(
                        "search", "k-watch", Long.MAX_VALUE, "", err, nanos::get)) {
            advance(5);
            w.tick();
            assertEquals(List.of("search: running, 0:05 elapsed"), lines());
            try (ProgressPrinter p =
                    new ProgressPrinter(
                            "search", "k-watch", 0, "rows", err, done::get, nanos::get, false)) {
                advance(5);
                w.tick();
                p.tick();
                assertEquals(
                        List.of("search: 0:05 elapsed"),
                        lines(),
                        "one line per period, the printer's");
            }
            lines();
            advance(5);
            w.tick();
            assertEquals(List.of("search: running, 0:15 elapsed"), lines());
        }
    }

    @Test
    void aPipelineAboveTheUnitLimitIsRefusedWithOneLineSayingHowToConfirm() {
        try (ProgressPrinter.Watch w =
                ProgressPrinter.watchForTest(
                        "evaluate",
                        "k-limit",
                        100_000,
                        "to run them, add --yes, or set 'max_units: {N}' under 'runner:' in big.yaml",
                        err,
                        nanos::get)) {
            HeadroomException e =
                    assertThrows(
                            HeadroomException.class,
                            () ->
                                    new ProgressPrinter(
                                            "evaluate",
                                            "k-limit",
                                            720_000,
                                            "cases",
                                            err,
                                            done::get,
                                            nanos::get,
                                            false));
            assertEquals(
                    "evaluate: 720,000 cases to run, more than the 100,000 a stage runs without confirmation"
                            + " (runner.max_units); to run them, add --yes, or set 'max_units: 720000' under 'runner:' in big.yaml",
                    e.getMessage());
            new ProgressPrinter(
                            "evaluate",
                            "k-limit",
                            100_000,
                            "cases",
                            err,
                            done::get,
                            nanos::get,
                            false)
                    .close();
        }
        new ProgressPrinter(
                        "evaluate", "k-limit", 720_000, "cases", err, done::get, nanos::get, false)
                .close(); // no watch: no limit
    }
}
