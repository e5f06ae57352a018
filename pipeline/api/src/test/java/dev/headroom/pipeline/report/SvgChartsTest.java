package dev.headroom.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SvgChartsTest {

    @Test
    void niceTicksAreRoundNumbers() {
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0), SvgCharts.niceTicks(0, 3.28, 5));
        assertEquals(List.of(0.36, 0.38, 0.4, 0.42, 0.44), SvgCharts.niceTicks(0.364, 0.432, 5));
        assertEquals(List.of(0.0, 20.0, 40.0, 60.0, 80.0), SvgCharts.niceTicks(0, 69.1, 5));
        List<Double> quarter = List.of(0.0, 0.25, 0.5, 0.75, 1.0);
        assertEquals("0.25", SvgCharts.tickLabel(0.25, quarter));
        assertEquals("2", SvgCharts.tickLabel(2, List.of(0.0, 1.0, 2.0)));
        assertEquals("0.38", SvgCharts.tickLabel(0.38, SvgCharts.niceTicks(0.364, 0.432, 5)));
    }

    @Test
    void plotHasTitleAxisLabelsLegendAndRoundTicks() {
        SvgCharts.Axis x = SvgCharts.Axis.linear("density", 0.364, 0.432);
        SvgCharts.Axis y = SvgCharts.Axis.linear("held-out answer loss (nats)", 0, 3.82);
        String svg =
                SvgCharts.plot(
                        "loss vs density",
                        x,
                        y,
                        List.of(
                                new SvgCharts.Series(
                                        "moa",
                                        new double[] {0.374, 0.432},
                                        new double[] {3.5, 3.82},
                                        new String[] {"", ""}),
                                new SvgCharts.Series(
                                        "hybrid",
                                        new double[] {0.364},
                                        new double[] {0.0218},
                                        new String[] {"chosen"},
                                        new boolean[] {true})),
                        true);
        assertTrue(
                svg.contains("class=\"x-label\"") && svg.contains(">density</text>"),
                "x axis label");
        assertTrue(
                svg.contains("class=\"y-label\"")
                        && svg.contains(">held-out answer loss (nats)</text>"),
                "y axis label");
        assertTrue(
                svg.contains("class=\"legend\"")
                        && svg.contains(">moa</text>")
                        && svg.contains(">hybrid</text>"),
                "legend");
        for (String tick :
                List.of(
                        ">0</text>",
                        ">1</text>",
                        ">2</text>",
                        ">3</text>",
                        ">4</text>",
                        ">0.36</text>",
                        ">0.44</text>")) {
            assertTrue(svg.contains(tick), tick);
        }
        assertTrue(!svg.contains(">0.819<") && !svg.contains(">3.28<"), "no odd ticks");
        assertTrue(svg.contains("stroke=\"#000\""), "the emphasised (chosen) point is outlined");
        assertTrue(svg.contains(">chosen</text>"));
    }

    @Test
    void accuracyPlotLabelsAtTheTopNeitherOverprintNorReachTheTitle() {
        // dense, plan and duo all at accuracy 1.0; plan and duo hold almost the same bytes (they
        // coincide).
        List<SvgCharts.Series> series =
                List.of(
                        new SvgCharts.Series(
                                "dense",
                                new double[] {386e3, 771e3, 1.5e6},
                                new double[] {1, 1, 1},
                                new String[] {"N=512", "N=1024", "N=2048"}),
                        new SvgCharts.Series(
                                "plan",
                                new double[] {141e3, 269e3, 525e3},
                                new double[] {1, 1, 1},
                                new String[] {"N=512", "N=1024", "N=2048"}),
                        new SvgCharts.Series(
                                "duo",
                                new double[] {139e3, 267e3, 523e3},
                                new double[] {1, 1, 1},
                                new String[] {"N=512", "N=1024", "N=2048"}),
                        new SvgCharts.Series(
                                "uniform",
                                new double[] {295e3, 295e3, 295e3},
                                new double[] {0.8, 0.4, 0.2},
                                new String[] {"N=512", "N=1024", "N=2048"}));
        String svg = SvgCharts.accuracyVersusBytes("accuracy vs KV-cache bytes", series);
        assertTrue(
                svg.contains(">accuracy (mean score)</text>")
                        && svg.contains(">KV-cache bytes held (log scale)</text>"));
        List<double[]> boxes = new ArrayList<>();
        Matcher m =
                Pattern.compile(
                                "<text class=\"point-label\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*>([^<]*)</text>")
                        .matcher(svg);
        while (m.find()) {
            double lx = Double.parseDouble(m.group(1)), ly = Double.parseDouble(m.group(2));
            boxes.add(new double[] {lx, ly - 9, lx + m.group(3).length() * 5.8, ly + 2});
            assertTrue(
                    ly - 9 > 44, "a label below the frame top, clear of the title: " + m.group(3));
        }
        // plan and duo share their labels: 3 (dense) + 3 (plan/duo) + 3 (uniform)
        assertEquals(9, boxes.size(), svg);
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                double[] a = boxes.get(i), b = boxes.get(j);
                boolean overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
                assertTrue(!overlap, "labels " + i + " and " + j + " overprint");
            }
        }
        // uniform's labels sit next to their own points (all three at one x): within a label height
        // of the marker
        Matcher u =
                Pattern.compile(
                                "<polygon points=\"[0-9.]+,[0-9.]+ ([0-9.]+),([0-9.]+) [^\"]*\"[^>]*><title>uniform (N=\\d+)")
                        .matcher(svg);
        int found = 0;
        while (u.find()) {
            found++;
            double cy = Double.parseDouble(u.group(2));
            Matcher l =
                    Pattern.compile(
                                    "<text class=\"point-label\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*>"
                                            + u.group(3)
                                            + "</text>")
                            .matcher(svg);
            boolean near = false;
            while (l.find()) {
                near |= Math.abs(Double.parseDouble(l.group(2)) - 4 - cy) < 12;
            }
            assertTrue(near, "uniform " + u.group(3) + " is labelled next to its point");
        }
        assertEquals(3, found, "uniform's markers are diamonds with a tooltip each");
        assertTrue(
                svg.contains("stroke-dasharray"),
                "later series are dashed so a coinciding line still shows");
    }

    @Test
    void numbersInTooltipsHaveNoTrailingZeros() {
        assertEquals("2.5", Html.number(2.5));
        assertEquals("30", Html.number(30));
        assertEquals("0.0218", Html.number(0.0218));
        assertEquals("3.816", Html.number(3.8155));
        assertEquals("1500000", Html.number(1.5e6));
    }

    @Test
    void sequentialScaleStartsAtAVisibleBlueAndColorBarHasTicks() {
        assertNotEquals("#ffffff", SvgCharts.sequential(0));
        assertEquals("#deebf7", SvgCharts.sequential(0));
        assertEquals("#08306b", SvgCharts.sequential(1));
        String bar =
                SvgCharts.colorBar(
                        0,
                        0,
                        200,
                        10,
                        0,
                        1,
                        SvgCharts::sequential,
                        List.of(0.0, 0.5, 1.0),
                        v -> String.valueOf(v),
                        "score");
        assertTrue(
                bar.contains("class=\"color-scale\"")
                        && bar.contains(">score</text>")
                        && bar.contains(">0.5</text>"));
        assertTrue(SvgCharts.missingCell(0, 0, 10, 10).contains("stroke-dasharray"));
    }
}
