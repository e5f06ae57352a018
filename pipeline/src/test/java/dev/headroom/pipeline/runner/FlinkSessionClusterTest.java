package dev.headroom.pipeline.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.TestModels;
import dev.headroom.pipeline.config.RunnerKind;
import dev.headroom.pipeline.report.ParquetTables;
import dev.headroom.stages.evaluate.CaseResult;
import dev.headroom.stages.evaluate.CellSummary;
import dev.headroom.stages.evaluate.EvalTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Flink 1.19 session cluster ({@code runners/flink-cluster start}: a JobManager and three
 * TaskManagers, each its own JVM on loopback) runs an evaluate grid submitted with {@code
 * --flink-master} at parallelism 2. One TaskManager running cases is killed (SIGKILL) mid-stage;
 * the job recovers through the restart strategy on the other two, its eval_results hold every case
 * exactly once, its eval_summary equals the DirectRunner's, and Flink's REST API shows the cases'
 * operator on two TaskManagers and the failure it recovered from.
 */
class FlinkSessionClusterTest {
    @TempDir Path dir;

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private int cluster(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(TestModels.repoRoot().resolve("runners/flink-cluster").toString());
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("cluster-" + args[0] + ".log").toFile())
                        .start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "flink-cluster " + args[0] + " timed out");
        return p.exitValue();
    }

    private Path config(String name) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(
                file,
                "model: "
                        + TestModels.demoModelOrSkip()
                        + "\noutput: "
                        + dir.resolve("run-" + name)
                        + "\nstages:\n"
                        + "  - stage: evaluate\n    tasks: [passkey, niah_single]\n"
                        + "    lengths: [512, 1024]\n    depths: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]\n"
                        + "    max_new_tokens: 8\n    add_bos: false\n    methods:\n"
                        + "      - method: dense\n      - {method: uniform, sink: 4, window: 64}\n");
        return file;
    }

    private static JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + port + path))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return new ObjectMapper().readTree(r.body());
    }

    /** The cases' vertex of the job, or null before it exists. */
    private static String casesVertex(int port, String job) throws Exception {
        for (JsonNode v : get(port, "/jobs/" + job).path("vertices"))
            if (v.path("name").asText().contains("Evaluate/Run cases"))
                return v.path("id").asText();
        return null;
    }

    /** TaskManagers with a subtask of the vertex in the given state. */
    private static Set<String> taskManagers(int port, String job, String vertex, String state)
            throws Exception {
        Set<String> out = new TreeSet<>();
        for (JsonNode tm :
                get(port, "/jobs/" + job + "/vertices/" + vertex + "/taskmanagers")
                        .path("taskmanagers"))
            if (state == null || state.equals(tm.path("status").asText()))
                out.add(tm.path("taskmanager-id").asText());
        return out;
    }

    @Test
    void evaluatesOnTheClusterThroughAKilledTaskManagerAsTheDirectRunnerDoes() throws Exception {
        int port = freePort();
        Path clusterDir = dir.resolve("cluster");
        String classpath = System.getProperty("java.class.path");
        assertEquals(
                0,
                cluster(
                        "start",
                        "--taskmanagers",
                        "3",
                        "--port",
                        String.valueOf(port),
                        "--dir",
                        clusterDir.toString(),
                        "--classpath",
                        classpath,
                        "--taskmanager-memory",
                        "2048m"),
                () -> read(dir.resolve("cluster-start.log")));
        try {
            HeadroomRun.Outcome direct =
                    new HeadroomRun(quiet(), quiet())
                            .run(config("direct"), HeadroomRun.RunnerOverrides.NONE, dir);
            ByteArrayOutputStream flinkErr = new ByteArrayOutputStream();
            PrintStream flinkErrStream = new PrintStream(flinkErr, true, StandardCharsets.UTF_8);
            CompletableFuture<HeadroomRun.Outcome> flink =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return new HeadroomRun(quiet(), flinkErrStream)
                                            .run(
                                                    config("flink"),
                                                    new HeadroomRun.RunnerOverrides(
                                                            RunnerKind.FLINK,
                                                            "localhost:" + port,
                                                            2,
                                                            false),
                                                    dir);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            // kill a TaskManager while it runs cases
            String killed = null, job = null;
            for (long t0 = System.nanoTime();
                    killed == null && !flink.isDone();
                    Thread.sleep(300)) {
                assertTrue((System.nanoTime() - t0) / 1e9 < 300, "the cases never ran");
                JsonNode jobs = get(port, "/jobs/overview").path("jobs");
                if (jobs.isEmpty() || !"RUNNING".equals(jobs.get(0).path("state").asText()))
                    continue;
                job = jobs.get(0).path("jid").asText();
                String v = casesVertex(port, job);
                Set<String> running = v == null ? Set.of() : taskManagers(port, job, v, "RUNNING");
                if (running.isEmpty()) continue;
                killed = running.iterator().next();
                long pid =
                        Long.parseLong(
                                Files.readString(clusterDir.resolve("pids/" + killed + ".pid"))
                                        .trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            assertTrue(killed != null, "a TaskManager was killed while it ran cases");
            HeadroomRun.Outcome done = flink.get(600, TimeUnit.SECONDS);

            List<CellSummary> a = RunnerEqualityTest.summary(direct),
                    b = RunnerEqualityTest.summary(done);
            assertFalse(a.isEmpty());
            assertEquals(
                    a,
                    b,
                    "eval_summary on the cluster, through the failure, against the DirectRunner's");
            List<CaseResult> results =
                    ParquetTables.read(
                            EvalTables.RESULTS,
                            done.runDirectory().resolve("reports/eval_results.parquet"));
            Set<String> keys = new TreeSet<>();
            for (CaseResult r : results) assertTrue(keys.add(r.caseKey()), "case twice: " + r);
            assertEquals(48, results.size(), "every case once");

            // the progress lines count cases the TaskManagers ran, from the job's metrics
            List<Long> counts = new java.util.ArrayList<>();
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("(?m)^evaluate: (\\d+)/48 cases")
                            .matcher(flinkErr.toString(StandardCharsets.UTF_8));
            while (m.find()) counts.add(Long.parseLong(m.group(1)));
            assertTrue(
                    counts.stream().anyMatch(c -> c > 0),
                    "a progress line counted cases run on the cluster: " + counts);

            // the REST view caches a job's graph for a few seconds (web.refresh-interval)
            String state = get(port, "/jobs/" + job).path("state").asText();
            for (long t0 = System.nanoTime();
                    !state.equals("FINISHED") && (System.nanoTime() - t0) / 1e9 < 15;
                    Thread.sleep(500)) state = get(port, "/jobs/" + job).path("state").asText();
            assertEquals("FINISHED", state);
            Set<String> ran = taskManagers(port, job, casesVertex(port, job), null);
            assertEquals(2, ran.size(), "the cases' operator ran on two TaskManagers: " + ran);
            assertFalse(ran.contains(killed), killed + " was killed");
            assertFalse(
                    get(port, "/jobs/" + job + "/exceptions")
                            .path("exceptionHistory")
                            .path("entries")
                            .isEmpty(),
                    "the job recorded the failure it recovered from");
        } finally {
            cluster("stop", "--dir", clusterDir.toString());
        }
    }

    @Test
    void anUnreachableMasterIsNamedInOneLineWithinSeconds() throws Exception {
        int port = freePort(); // nothing listens there
        long t0 = System.nanoTime();
        HeadroomException e =
                assertThrows(
                        HeadroomException.class,
                        () ->
                                new HeadroomRun(quiet(), quiet())
                                        .run(
                                                config("nowhere"),
                                                new HeadroomRun.RunnerOverrides(
                                                        RunnerKind.FLINK,
                                                        "127.0.0.1:" + port,
                                                        1,
                                                        false),
                                                dir));
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "refused within seconds");
        assertEquals(
                "flink master 127.0.0.1:"
                        + port
                        + ": no Flink JobManager answers there (connection refused); start one with"
                        + " ./runners/flink-cluster start, or leave out --flink-master for the"
                        + " embedded mini-cluster",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("run-nowhere")), "no run directory made");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (Exception e) {
            return f + ": " + e.getMessage();
        }
    }
}
