package dev.headroom.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --help} of train-demo and evaluate-demo: exit 0, the usage on stdout, nothing on stderr
 * (picocli warns there).
 */
class CommandHelpTest {

    /**
     * The usage text; fails if the command exits non-zero or anything reaches stderr (picocli's
     * tracer or the command's).
     */
    private static String help(Object command) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int rc;
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = new CommandLine(command);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            rc = cl.execute("--help");
        } finally {
            System.setErr(saved);
        }
        assertEquals("", systemErr.toString(StandardCharsets.UTF_8) + err, "stderr of --help");
        assertEquals(0, rc);
        return out.toString().replaceAll("\\s+", " "); // one line: the usage wraps at 80 columns
    }

    @Test
    void evaluateDemoHelpIsClean() {
        String usage = help(new EvaluateDemoCommand());
        assertTrue(usage.startsWith("Usage: evaluate-demo"), usage);
        assertTrue(
                usage.contains("cases per cell, depths spread over 0..100% (default: 10)"), usage);
        assertTrue(usage.contains("model directory (default: models/demo)"), usage);
        assertTrue(usage.contains("--cases=FILE"), usage);
    }

    @Test
    void trainDemoHelpIsClean() {
        String usage = help(new TrainDemoCommand());
        assertTrue(usage.startsWith("Usage: train-demo"), usage);
        assertTrue(
                usage.contains("optimizer steps; the cosine schedule spans them (default: 8000)"),
                usage);
        assertTrue(usage.contains("--out=DIR"), usage);
        assertTrue(usage.contains("--shares=TASK=SHARE,..."), usage);
    }
}
