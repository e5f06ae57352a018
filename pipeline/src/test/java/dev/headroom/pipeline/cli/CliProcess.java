package dev.headroom.pipeline.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A `headroom` command in its own JVM, as a user starts it (the flags runners/headroom passes, this
 * JVM's classpath), so a test can signal or kill it; stdout and stderr go to {@code log}.
 */
final class CliProcess {
    private CliProcess() {}

    static Process start(Path workingDir, Path log, String... args) throws IOException {
        List<String> cmd =
                new java.util.ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Dai.djl.offline=true",
                                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                "--add-opens=java.base/java.util=ALL-UNNAMED",
                                "-cp",
                                System.getProperty("java.class.path"),
                                HeadroomCli.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
