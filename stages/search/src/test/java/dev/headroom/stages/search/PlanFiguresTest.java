package dev.headroom.stages.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanFiguresTest {

    @Test
    void spanMapsShowTheUnitTheSinksAndALegend() {
        List<PlanTables.PlanHead> heads =
                List.of(
                        new PlanTables.PlanHead("hybrid", 0, 0, "window", 4, 32, 0, 2048, 32, 0.02),
                        new PlanTables.PlanHead("hybrid", 0, 1, "window", 4, 16, 0, 2048, 16, 0.01),
                        new PlanTables.PlanHead("hybrid", 1, 0, "full", 0, 0, 1, 2048, 0, 1.0),
                        new PlanTables.PlanHead("hybrid", 1, 1, "full", 0, 0, 1, 2048, 0, 1.0));
        String html = PlanFigures.spanMaps(heads, 2, 2);
        assertTrue(
                html.contains("class=\"color-scale\"")
                        && html.contains(">tokens kept / N (sink + window)</text>"),
                "legend");
        assertTrue(html.contains("window in tokens"), "unit in the caption");
        assertEquals(
                2,
                html.split(">\\+4 sink</text>", -1).length - 1,
                "each window head shows its sink tokens");
        assertTrue(html.contains(">32</text>") && html.contains(">full</text>"));
        assertTrue(html.contains(">KV head</text>"));
    }

    @Test
    void paretoFrontPlotsValidationLossWithALabelledYAxisAndRoundTicks() {
        List<PlanTables.FrontPoint> front =
                List.of(
                        new PlanTables.FrontPoint(0, "moa", false, 512, 0.2792, 0.414, 3.4974),
                        new PlanTables.FrontPoint(0, "moa", false, 1024, 0.3940, 0.374, 3.4974),
                        new PlanTables.FrontPoint(1, "moa", false, 512, 0.1615, 0.547, 3.8155),
                        new PlanTables.FrontPoint(1, "moa", false, 1024, 3.2774, 0.432, 3.8155),
                        new PlanTables.FrontPoint(2, "hybrid", true, 512, 0.3029, 0.394, 0.0218),
                        new PlanTables.FrontPoint(2, "hybrid", true, 1024, 0.4123, 0.364, 0.0218));
        String html = PlanFigures.paretoFront(front);
        assertTrue(
                html.contains("class=\"y-label\"")
                        && html.contains(">held-out answer loss (nats)</text>"),
                "y label");
        assertTrue(
                html.contains(">density at N=1024 (share of causal query-key pairs)</text>"),
                "x label");
        // the points are at the validation losses (tooltips), not at the predicted ones
        assertTrue(
                html.contains("held-out answer loss (nats) 3.81")
                        && html.contains("held-out answer loss (nats) 0.0218"));
        assertFalse(html.contains("held-out answer loss (nats) 3.277"));
        for (String tick :
                List.of(">0</text>", ">1</text>", ">2</text>", ">3</text>", ">4</text>")) {
            assertTrue(html.contains(tick), "round tick " + tick);
        }
        assertFalse(html.contains(">0.819") || html.contains(">3.28<"), "no odd ticks");
        assertEquals(
                1, html.split(">chosen</text>", -1).length - 1, "the chosen plan is labelled once");
    }
}
