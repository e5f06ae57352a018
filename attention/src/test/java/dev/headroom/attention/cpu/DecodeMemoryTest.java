package dev.headroom.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.policy.AttentionPolicy;
import dev.headroom.attention.policy.DensePolicy;
import dev.headroom.attention.policy.UniformSinkWindowPolicy;
import dev.headroom.attention.runtime.RuntimeSequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Decoding does not leak: 2000 steps on the demo model keep the process's resident memory flat (a
 * cache that is copied and never freed each step grew by gigabytes here), and a streaming head's
 * cache holds sink + window entries. The build runs it in a JVM whose heap is fixed and touched up
 * front ({@code -Xms = -Xmx, -XX:+AlwaysPreTouch}), so resident growth is native memory; a heap
 * that grows anyway is subtracted.
 */
class DecodeMemoryTest {
    private static final Path DEMO =
            Path.of(System.getProperty("headroom.repo.root", "..")).resolve("models/demo");

    @Test
    void twoThousandDecodeStepsKeepResidentMemoryFlat() throws IOException {
        try (LoadedModel model = LoadedModel.load(DEMO)) {
            for (AttentionPolicy policy :
                    new AttentionPolicy[] {
                        new DensePolicy(), UniformSinkWindowPolicy.tokens(4, 64)
                    }) {
                try (RuntimeSequence seq = model.open(policy, 1)) {
                    int next = argmax(seq.prefill(new int[] {1}));
                    long at500 = 0;
                    for (int step = 1; step <= 2000; step++) {
                        next = argmax(seq.decode(next));
                        if (step == 500) at500 = residentBytes() - committedHeap();
                    }
                    long growth = residentBytes() - committedHeap() - at500;
                    // the dense cache itself grows by 1500 tokens x 3 layers x 2 heads x 2 x 32 x 4
                    // B = 2.3 MB
                    assertTrue(
                            growth < 64L << 20,
                            policy.name()
                                    + ": resident memory grew by "
                                    + (growth >> 20)
                                    + " MB over 1500 decode steps");
                    assertEquals(2001, seq.position());
                    int expectHeld = policy instanceof DensePolicy ? 2001 : 4 + 64;
                    for (int l = 0; l < model.config().numLayers(); l++) {
                        for (int h = 0; h < model.config().numKvHeads(); h++) {
                            assertEquals(
                                    expectHeld,
                                    seq.heldTokens(l, h),
                                    policy.name() + " layer " + l + " head " + h);
                        }
                    }
                    long expectBytes =
                            (long) model.config().numLayers()
                                    * model.config().numKvHeads()
                                    * 2
                                    * expectHeld
                                    * model.config().headDim()
                                    * 2;
                    assertEquals(
                            expectBytes,
                            seq.cacheBytes(),
                            policy.name() + ": bytes of the held bf16 entries");
                }
            }
        }
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private static long committedHeap() {
        return Runtime.getRuntime().totalMemory();
    }

    /** VmRSS of this process, from /proc/self/status. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:"))
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
