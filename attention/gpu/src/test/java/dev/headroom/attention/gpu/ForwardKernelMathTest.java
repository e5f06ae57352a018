package dev.headroom.attention.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.checkpoint.DType;
import dev.headroom.attention.model.Architecture;
import dev.headroom.attention.model.ModelConfig;
import dev.headroom.attention.model.RopeConfig;
import dev.headroom.attention.model.RotaryTable;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The host-side mirrors of the forward kernels' index math and tables, on the CPU. */
class ForwardKernelMathTest {
    @Test
    void gemmRasterCoversEveryTileOnce() {
        for (int[] shape : new int[][] {{1, 1}, {1, 501}, {9, 3}, {64, 56}, {17, 1002}, {8, 8}}) {
            int mTiles = shape[0], nTiles = shape[1];
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < mTiles * nTiles; b++) {
                int[] t = GemmKernel.tileOf(b, mTiles, nTiles);
                assertTrue(t[0] >= 0 && t[0] < mTiles && t[1] >= 0 && t[1] < nTiles, "block " + b);
                assertTrue(seen.add(t[0] * nTiles + t[1]), "tile visited twice at block " + b);
            }
            assertEquals(mTiles * nTiles, seen.size());
        }
    }

    /** The CTAs resident at once (132 of them) touch few row tiles, so W tiles are shared in L2. */
    @Test
    void gemmRasterKeepsResidentCtasInOneRowGroup() {
        int mTiles = 64, nTiles = 112; // M = 8192, N = 28672 at 128 x 256 tiles
        Set<Integer> rows = new HashSet<>(), cols = new HashSet<>();
        for (int b = 0; b < 132; b++) {
            int[] t = GemmKernel.tileOf(b, mTiles, nTiles);
            rows.add(t[0]);
            cols.add(t[1]);
        }
        assertEquals(GemmKernel.GROUP_M, rows.size());
        assertEquals(17, cols.size());
    }

    @Test
    void launchSizes() {
        assertEquals(32 * 24, GemmKernel.blocks(4096, 6144, GemmKernel.Variant.WGMMA));
        assertEquals(1 * 501, GemmKernel.blocks(1, 128256, GemmKernel.Variant.WGMMA));
        assertEquals(64 * 1002, GemmKernel.blocks(8192, 128256, GemmKernel.Variant.MMA_SYNC));
        assertEquals(43 * 16, GemmKernel.blocks(8192, 4096, GemmKernel.Variant.WGMMA_M192));
        assertEquals(8016, GemvKernel.blocks(128256));
        assertEquals(GemvKernel.Variant.W16, GemvKernel.defaultVariant(4096, 132));
        assertEquals(GemvKernel.Variant.W8, GemvKernel.defaultVariant(6144, 132));
        assertEquals(GemvKernel.Variant.W8, GemvKernel.defaultVariant(128256, 132));
        assertEquals(1, GemvKernel.blocks(5));
        assertEquals(63, ArgmaxKernel.chunks(128256));
        assertEquals(2.0 * 8192 * 4096 * 4096, GemmKernel.flops(8192, 4096, 4096));
        assertEquals(
                2.0 * 4096 * 4096 + 2.0 * 4096 + 2.0 * 4096,
                GemmKernel.bytes(1, 4096, 4096, GemmKernel.Output.BF16));
    }

    private static ModelConfig llama(RopeConfig rope) {
        return new ModelConfig(
                Architecture.LLAMA,
                128256,
                4096,
                14336,
                32,
                32,
                8,
                128,
                131072,
                1e-5,
                rope,
                false,
                false,
                false,
                0,
                128000,
                128001,
                DType.BF16);
    }

    /** The kernel's fp32 frequencies times the fp32 position give RotaryTable's angles exactly. */
    @Test
    void ropeFrequenciesAreRotaryTables() {
        for (RopeConfig rope :
                new RopeConfig[] {
                    RopeConfig.unscaled(500000),
                    new RopeConfig("linear", 10000, 4, 0, 0, 0),
                    new RopeConfig("llama3", 500000, 8, 1, 4, 8192)
                }) {
            RotaryTable table = new RotaryTable(llama(rope));
            float[] inv = RopeKernel.inverseFrequencies(rope, 128);
            assertEquals(64, inv.length);
            for (int pos : new int[] {0, 1, 7, 8191, 32768, 131071}) {
                for (int i = 0; i < 64; i++) {
                    float angle = inv[i] * (float) pos;
                    assertEquals(table.cos(pos, i), (float) Math.cos(angle), rope.type());
                    assertEquals(table.sin(pos, i + 64), (float) Math.sin(angle), rope.type());
                }
            }
        }
    }
}
