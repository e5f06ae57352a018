package dev.headroom.plan.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.attention.plan.AttentionPlan;
import dev.headroom.attention.plan.HeadSpan;
import dev.headroom.attention.plan.SpanDensity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuoAndExportTest {

    @Test
    void duoBudgetAndSplit() {
        // streaming heads at n=2048 with sink 16 + window 256 have density d; r of 8 heads full: (r
        // + (8-r) d)/8 <= 0.35
        double d = SpanDensity.density(2048, 16, 256);
        int r = DuoSplit.retrievalHeadsForBudget(0.35, 2048, 16, 256, 8);
        assertTrue((r + (8 - r) * d) / 8 <= 0.35 && (r + 1 + (7 - r) * d) / 8 > 0.35, "r=" + r);
        double[][] scores = {{0.1, 0.9}, {0.5, 0.0}};
        List<HeadSpan> heads = DuoSplit.split(scores, 2, 16, 256);
        assertEquals("streaming", heads.get(0).kind());
        assertEquals("retrieval", heads.get(1).kind());
        assertEquals("retrieval", heads.get(2).kind());
        assertEquals(256, heads.get(0).window(2048));
        assertEquals(0, heads.get(1).window(2048));
    }

    @Test
    void planRoundTripsAndExports(@TempDir Path dir) throws Exception {
        List<HeadSpan> heads =
                List.of(
                        new HeadSpan(0, 0, "window", 16, 64, 0.25),
                        new HeadSpan(0, 1, "full", 16, 0, 1.0),
                        new HeadSpan(1, 0, "window", 16, 128, 0),
                        new HeadSpan(1, 1, "window", 16, 0, 0.5));
        AttentionPlan plan =
                new AttentionPlan(
                        "moa",
                        "abc",
                        0.5,
                        List.of(512, 1024),
                        heads,
                        Map.of("loss", 0.1),
                        Map.of("chosen", 0));
        plan.write(dir.resolve("plan.json"));
        AttentionPlan back = AttentionPlan.read(dir.resolve("plan.json"));
        assertEquals(plan.heads(), back.heads());
        assertEquals(64 + 512, back.head(0, 0).window(2048));
        PlanExports.writeAll(back, dir, 2, 2, 2);
        assertEquals("0\t1\n0\t0\n", Files.readString(dir.resolve("full_attention_heads.tsv")));
        String moa = Files.readString(dir.resolve("moa_plan.json"));
        assertEquals(
                "{\"alphas\":[[64.0,64.0,0.0,0.0],[128.0,128.0,0.0,0.0]],\"betas\":[[0.25,0.25,1.0,1.0],[0.0,0.0,0.5,0.5]]}",
                moa);
    }
}
