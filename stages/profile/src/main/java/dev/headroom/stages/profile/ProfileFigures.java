package dev.headroom.stages.profile;

import dev.headroom.pipeline.report.Html;
import dev.headroom.pipeline.report.SvgCharts;
import dev.headroom.plan.profile.ProfileRow;
import java.util.List;
import java.util.Locale;

/**
 * The profile stage's part of the report: a layer × head map of retrieval scores, and a console
 * line.
 */
final class ProfileFigures {
    private ProfileFigures() {}

    /**
     * Layer × query-head map of the retrieval score (mean over the profiled lengths), on a fixed
     * 0..1 colour scale shown under the map. Every measured cell carries its value; heads without a
     * measurement are drawn as an outlined white "n/a" cell, distinct from a measured 0 (the
     * lightest blue).
     */
    static String retrievalMap(List<ProfileRow> rows, int layers, int heads) {
        double[][] score = new double[layers][heads];
        int[][] count = new int[layers][heads];
        for (ProfileRow r : rows) {
            if (!r.metric().equals(ProfileRow.RETRIEVAL)) continue;
            score[r.layer()][r.head()] += r.value();
            count[r.layer()][r.head()]++;
        }
        int cell = 38, left = 64, top = 30;
        int mapW = heads * cell, mapBottom = top + layers * cell;
        int scaleY = mapBottom + 52, scaleW = Math.max(200, Math.min(mapW, 320));
        int w = Math.max(left + mapW + 20, left + scaleW + 150), h = scaleY + 34;
        StringBuilder b = new StringBuilder();
        b.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                        w,
                        h,
                        w,
                        h));
        b.append(
                SvgCharts.text(
                        8, 16, "start", 13, "600", "Retrieval score per head (mean over lengths)"));
        for (int l = 0; l < layers; l++) {
            for (int q = 0; q < heads; q++) {
                int x = left + q * cell, y = top + l * cell;
                if (count[l][q] == 0) {
                    b.append(SvgCharts.missingCell(x, y, cell, cell));
                    b.append(
                            String.format(
                                    Locale.ROOT,
                                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\"><title>layer %d head %d: not measured</title></rect>",
                                    x,
                                    y,
                                    cell,
                                    cell,
                                    l,
                                    q));
                    b.append(
                            SvgCharts.text(
                                    x + cell / 2.0,
                                    y + cell / 2.0 + 4,
                                    "middle",
                                    10,
                                    "400",
                                    "n/a"));
                    continue;
                }
                double v = score[l][q] / count[l][q];
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>layer %d head %d: %.3f</title></rect>",
                                x,
                                y,
                                cell,
                                cell,
                                SvgCharts.sequential(v),
                                l,
                                q,
                                v));
                b.append(
                        String.format(
                                Locale.ROOT,
                                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%.2f</text>",
                                x + cell / 2.0,
                                y + cell / 2.0 + 4,
                                SvgCharts.onSequential(v),
                                v));
            }
            b.append(
                    SvgCharts.text(
                            left - 6,
                            top + l * cell + cell / 2.0 + 4,
                            "end",
                            11,
                            "400",
                            "layer " + l));
        }
        for (int q = 0; q < heads; q++) {
            b.append(
                    SvgCharts.text(
                            left + q * cell + cell / 2.0,
                            mapBottom + 13,
                            "middle",
                            10,
                            "400",
                            String.valueOf(q)));
        }
        b.append(
                SvgCharts.text(
                        left + mapW / 2.0, mapBottom + 27, "middle", 11, "400", "query head"));
        List<Double> ticks = List.of(0.0, 0.25, 0.5, 0.75, 1.0);
        b.append(
                SvgCharts.colorBar(
                        left,
                        scaleY,
                        scaleW,
                        10,
                        0,
                        1,
                        SvgCharts::sequential,
                        ticks,
                        v -> SvgCharts.tickLabel(v, ticks),
                        "retrieval score (share of answer tokens whose top-1 key is the needle token)"));
        b.append(SvgCharts.missingCell(left + scaleW + 16, scaleY - 2, 14, 14));
        b.append(
                SvgCharts.text(
                        left + scaleW + 36, scaleY + 9, "start", 10, "400", "n/a: not measured"));
        b.append("</svg>");
        return "<p>How often each head's top-1 attention lands on the needle token the model is copying "
                + "(Retrieval Head paper), from 0 (never) to 1 (every answer token). Darker is higher; every cell shows its value.</p>"
                + b;
    }

    static String consoleSummary(List<ProfileRow> rows) {
        long lengths = rows.stream().mapToInt(ProfileRow::length).distinct().count();
        return "profile: "
                + rows.size()
                + " head measurements at "
                + lengths
                + " lengths ("
                + Html.escape("reports/profile_heads.parquet")
                + ")";
    }
}
