package dev.headroom.stages.profile;

import dev.headroom.pipeline.report.Html;
import dev.headroom.plan.profile.ProfileRow;
import java.util.List;
import java.util.Locale;

/** The profile stage's part of the report: a layer × head map of retrieval scores, and a console line. */
final class ProfileFigures {
    private ProfileFigures() {
    }

    static String retrievalMap(List<ProfileRow> rows, int layers, int heads) {
        double[][] score = new double[layers][heads];
        int[][] count = new int[layers][heads];
        for (ProfileRow r : rows) {
            if (!r.metric().equals(ProfileRow.RETRIEVAL)) continue;
            score[r.layer()][r.head()] += r.value();
            count[r.layer()][r.head()]++;
        }
        int cell = 30, left = 70, top = 30;
        StringBuilder b = new StringBuilder();
        int w = Math.max(left + heads * cell + 20, 400), h = top + layers * cell + 40;
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, h));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"600\">Retrieval score per head (mean over lengths)</text>", 8));
        for (int l = 0; l < layers; l++) {
            for (int q = 0; q < heads; q++) {
                double v = count[l][q] == 0 ? Double.NaN : score[l][q] / count[l][q];
                String fill = Double.isNaN(v) ? "#ddd" : String.format(Locale.ROOT, "rgb(%d,%d,255)", (int) (255 * (1 - v)), (int) (255 * (1 - v)));
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"><title>layer %d head %d: %s</title></rect>",
                        left + q * cell, top + l * cell, cell, cell, fill, l, q, Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v)));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">layer %d</text>", left - 6, top + l * cell + 19, l));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">query head →</text>", left, top + layers * cell + 16));
        b.append("</svg>");
        return "<p>How often each head's top-1 attention lands on the needle token the model is copying "
                + "(Retrieval Head paper). Darker is higher.</p>" + b;
    }

    static String consoleSummary(List<ProfileRow> rows) {
        long lengths = rows.stream().mapToInt(ProfileRow::length).distinct().count();
        return "profile: " + rows.size() + " head measurements at " + lengths + " lengths (" + Html.escape("reports/profile_heads.parquet") + ")";
    }
}
