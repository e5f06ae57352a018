package dev.headroom.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunReportTest {

    @Test
    void heatmapHasOneCellPerDepthAndLengthAndGreysMissingCells() {
        String svg =
                SvgCharts.heatmap(
                        "dense",
                        List.of(256, 512),
                        List.of(0.0, 0.5, 1.0),
                        new double[][] {{1.0, 0.5}, {0.0, Double.NaN}, {0.25, 0.75}});
        assertEquals(6, svg.split("<rect ", -1).length - 1);
        assertTrue(svg.contains("fill=\"#ddd\""), "the missing cell is grey");
        assertTrue(svg.contains(">0.75<") && svg.contains(">1.00<"));
        assertEquals("#d7303c", SvgCharts.heat(0.0));
        assertEquals("#1a963c", SvgCharts.heat(1.0));
    }

    @Test
    void pageIsSelfContainedAndEscapesWhatItShows() {
        RunReport r = new RunReport("run <1>").fact("model", "a&b").section("S", "<p>ok</p>");
        String html = r.html();
        assertTrue(
                html.contains("run &lt;1&gt;")
                        && html.contains("a&amp;b")
                        && html.contains("<p>ok</p>"));
        assertFalse(
                html.contains("<script")
                        || html.contains("http://") && !html.contains("http://www.w3.org"));
        String plot =
                SvgCharts.accuracyVersusBytes(
                        "t",
                        List.of(
                                new SvgCharts.Series(
                                        "<m>",
                                        new double[] {1024, 4096},
                                        new double[] {0.5, 1.0},
                                        new String[] {"N=1", "N=2"})));
        assertTrue(plot.contains("&lt;m&gt;") && !plot.contains("<m>"));
        assertTrue(plot.contains("1.0 KiB") && plot.contains("4.0 KiB"));
    }

    @Test
    void accuracyPlotOnThePageHasAxisLabelsLegendAndATitleAboveTheFrame() {
        String plot =
                SvgCharts.accuracyVersusBytes(
                        "accuracy vs KV-cache bytes",
                        List.of(
                                new SvgCharts.Series(
                                        "dense",
                                        new double[] {1024, 2048},
                                        new double[] {1.0, 1.0},
                                        new String[] {"N=1", "N=2"}),
                                new SvgCharts.Series(
                                        "plan",
                                        new double[] {512, 1024},
                                        new double[] {1.0, 1.0},
                                        new String[] {"N=1", "N=2"})));
        String html = new RunReport("r").section("Accuracy", plot).html();
        assertTrue(
                html.contains(">accuracy (mean score)</text>")
                        && html.contains(">KV-cache bytes held (log scale)</text>"));
        assertTrue(
                html.contains("class=\"legend\"")
                        && html.contains(">dense</text>")
                        && html.contains(">plan</text>"));
        assertTrue(
                html.contains(
                        "<text x=\"70.0\" y=\"18.0\" text-anchor=\"start\" font-size=\"13\" font-weight=\"600\">accuracy vs KV-cache bytes</text>"),
                "the title sits above the frame (top 44), at the left");
        assertTrue(html.contains(">0.25</text>") && html.contains(">1.00</text>"));
    }

    @Test
    void consoleTableAlignsColumns() {
        String t =
                new ConsoleTable(List.of("method", "accuracy"), 1)
                        .row(List.of("dense", "1.000"))
                        .row(List.of("uniform-w256", "0.25"))
                        .render();
        assertEquals(
                "method        accuracy\n------------  --------\ndense            1.000\nuniform-w256      0.25\n",
                t);
    }
}
