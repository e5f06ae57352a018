package dev.headroom.pipeline.report;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns: text columns left-aligned, the others right-aligned. */
public final class ConsoleTable {

    private final List<String> header;
    private final boolean[] leftAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /**
     * @param leftAlignedColumns how many leading columns are text
     */
    public ConsoleTable(List<String> header, int leftAlignedColumns) {
        this.header = List.copyOf(header);
        this.leftAligned = new boolean[header.size()];
        for (int i = 0; i < leftAlignedColumns && i < header.size(); i++) {
            leftAligned[i] = true;
        }
    }

    public ConsoleTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException(
                    "expected " + header.size() + " cells, got " + cells.size());
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    public String render() {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, header, width);
        for (int c = 0; c < width.length; c++) {
            b.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        b.append('\n');
        for (List<String> r : rows) {
            line(b, r, width);
        }
        return b.toString();
    }

    private void line(StringBuilder b, List<String> cells, int[] width) {
        for (int c = 0; c < width.length; c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            b.append(c == 0 ? "" : "  ").append(leftAligned[c] ? cell + pad : pad + cell);
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') {
            end--;
        }
        b.setLength(end);
        b.append('\n');
    }
}
