package dev.headroom.pipeline.report;

import dev.headroom.attention.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run shows at the end: console blocks (the summary tables) and the sections of {@code
 * report.html}, a single self-contained file (inline CSS and SVG, no scripts, no network). Stages
 * add to it in their {@code report} step.
 */
public final class RunReport {

    private record Section(String title, String html) {}

    private final String title;
    private final List<String> facts = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<String> console = new ArrayList<>();

    public RunReport(String title) {
        this.title = title;
    }

    /** A "name: value" line at the top of the page. */
    public RunReport fact(String name, String value) {
        facts.add("<tr><th>" + Html.escape(name) + "</th><td>" + Html.escape(value) + "</td></tr>");
        return this;
    }

    /** A section; {@code html} is trusted markup (escape what you put in it). */
    public RunReport section(String sectionTitle, String html) {
        sections.add(new Section(sectionTitle, html));
        return this;
    }

    /** A block printed on stdout at the end of the run. */
    public RunReport console(String text) {
        console.add(text);
        return this;
    }

    public List<String> consoleBlocks() {
        return List.copyOf(console);
    }

    public String html() {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(Html.escape(title))
                .append("</title>\n<style>\n")
                .append(
                        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;max-width:1150px}\n")
                .append(
                        "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 4px}\n")
                .append(
                        "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}\n")
                .append(
                        "th{background:#f5f5f5}td.l,th.l{text-align:left}table.facts th,table.facts td{text-align:left;background:none}table.facts th{font-weight:600}\n")
                .append(".grid{display:flex;flex-wrap:wrap;gap:18px}.fig{margin:4px}\n")
                .append("svg text{font-family:system-ui,sans-serif}\n")
                .append("</style></head><body>\n<h1>")
                .append(Html.escape(title))
                .append("</h1>\n");
        if (!facts.isEmpty()) {
            b.append("<table class=\"facts\">").append(String.join("", facts)).append("</table>\n");
        }
        for (Section s : sections) {
            b.append("<h2>")
                    .append(Html.escape(s.title()))
                    .append("</h2>\n")
                    .append(s.html())
                    .append('\n');
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** Writes the page to a temporary name next to {@code file} and renames it into place. */
    public void writeHtml(Path file) {
        try {
            AtomicFiles.writeString(file, html());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
