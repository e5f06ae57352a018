package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX must come from the committed CUDA C. Each NAME.ptx has a sidecar
 * NAME.ptx.sha256 holding sha256(NAME.cu + every *.cuh, sorted by name), written by
 * scripts/gpu/build-ptx.sh; content hashes, not mtimes, since a fresh clone gives every file the
 * same mtime. Where nvcc is on the PATH, the PTX is also rebuilt and compared byte for byte.
 */
class PtxFreshnessTest {
    private static final Path CUDA = Path.of("src/main/cuda");
    private static final Path PTX = Path.of("src/main/resources/dev/headroom/attention/gpu");

    private static List<Path> sources(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(CUDA)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static String name(Path cu) {
        String n = cu.getFileName().toString();
        return n.substring(0, n.length() - ".cu".length());
    }

    static String sourceHash(Path cu) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(cu));
        for (Path header : sources(".cuh")) sha.update(Files.readAllBytes(header));
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void everyKernelSourceHasPtxBuiltFromIt() throws Exception {
        List<Path> cus = sources(".cu");
        assertFalse(cus.isEmpty(), "no CUDA sources under " + CUDA.toAbsolutePath());
        for (Path cu : cus) {
            Path ptx = PTX.resolve(name(cu) + ".ptx"),
                    sidecar = PTX.resolve(name(cu) + ".ptx.sha256");
            assertTrue(Files.exists(ptx), ptx + " missing: run scripts/gpu/build-ptx.sh");
            assertTrue(Files.exists(sidecar), sidecar + " missing: run scripts/gpu/build-ptx.sh");
            assertEquals(
                    Files.readString(sidecar).trim(),
                    sourceHash(cu),
                    cu + " changed since its PTX was built: run scripts/gpu/build-ptx.sh");
        }
    }

    @Test
    void ptxMatchesARebuildWhereNvccIsPresent() throws Exception {
        if (!nvccPresent()) {
            System.out.println(
                    "PtxFreshnessTest: nvcc not on the PATH, rebuild comparison skipped (hashes still checked)");
            return;
        }
        Path tmp = Files.createTempDirectory("ptx");
        for (Path cu : sources(".cu")) {
            Path out = tmp.resolve(name(cu) + ".ptx");
            String arch =
                    name(cu).endsWith("_sm90a")
                            ? "-arch=compute_90a"
                            : "-arch=sm_90"; // as build-ptx.sh
            Process p =
                    new ProcessBuilder(
                                    "nvcc",
                                    arch,
                                    "-O3",
                                    "-std=c++17",
                                    "--ptx",
                                    "-o",
                                    out.toString(),
                                    cu.getFileName().toString())
                            .directory(CUDA.toFile())
                            .redirectErrorStream(true)
                            .start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + cu);
            assertEquals(0, p.exitValue(), "nvcc failed on " + cu + ":\n" + log);
            assertEquals(
                    pathIndependent(Files.readString(PTX.resolve(name(cu) + ".ptx"))),
                    pathIndependent(Files.readString(out)),
                    name(cu)
                            + ".ptx differs from a rebuild of "
                            + cu
                            + ": run scripts/gpu/build-ptx.sh");
            Files.delete(out);
        }
        Files.delete(tmp);
    }

    /**
     * nvcc names anonymous namespaces and internal symbols after a hash of the source file's
     * absolute path ({@code _GLOBAL__N__a9cdd452_...}, {@code _INTERNAL_7a6044e4_...}), so two
     * checkouts build PTX that differs only there.
     */
    static String pathIndependent(String ptx) {
        return ptx.replaceAll("(_GLOBAL__N__|_INTERNAL_)[0-9a-f]{8}_", "$1");
    }

    private static boolean nvccPresent() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().transferTo(new ByteArrayOutputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
