package dev.headroom.stages.profile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headroom.pipeline.report.SvgCharts;
import dev.headroom.plan.profile.ProfileRow;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileFiguresTest {

    @Test
    void retrievalMapHasAColourScaleAndTellsZeroFromMissing() {
        // layer 0: head 0 measured 0.0, head 1 never measured; layer 1: 0.5 and 1.0
        List<ProfileRow> rows =
                List.of(
                        new ProfileRow(0, 0, 0, 512, ProfileRow.RETRIEVAL, 0.0),
                        new ProfileRow(1, 0, 0, 512, ProfileRow.RETRIEVAL, 0.5),
                        new ProfileRow(1, 1, 0, 512, ProfileRow.RETRIEVAL, 1.0),
                        new ProfileRow(0, 1, 0, 512, ProfileRow.ENTROPY, 3.0));
        String html = ProfileFigures.retrievalMap(rows, 2, 2);
        assertTrue(html.contains("class=\"color-scale\""), "colour scale");
        assertTrue(
                html.contains(">0.00</text>")
                        && html.contains(">0.50</text>")
                        && html.contains(">1.00</text>"),
                "scale ticks and cell values");
        assertTrue(html.contains("retrieval score ("), "the scale names what it measures");
        assertTrue(
                html.contains(
                        "fill=\""
                                + SvgCharts.sequential(0)
                                + "\" stroke=\"#fff\"><title>layer 0 head 0: 0.000"),
                "a measured zero is light blue");
        assertTrue(
                html.contains("<title>layer 0 head 1: not measured</title>")
                        && html.contains(">n/a</text>"),
                "a missing head says so");
        assertTrue(html.contains(">n/a: not measured</text>"), "the legend explains n/a");
        assertFalse(
                html.contains("fill=\"#ddd\"") || html.contains("rgb(255,255,255)"),
                "no grey or white data cells");
        assertTrue(html.contains(">query head</text>") && html.contains(">layer 1</text>"));
    }
}
