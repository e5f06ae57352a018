package dev.headroom.pipeline.report;

/** HTML escaping and small formatting helpers for the report. */
public final class Html {

    private Html() {}

    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** 1536 -> "1.5 KiB", 3 MiB -> "3.0 MiB". */
    public static String bytes(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return u == 0
                ? String.format(java.util.Locale.ROOT, "%.0f B", bytes)
                : String.format(java.util.Locale.ROOT, "%.1f %s", bytes, units[u]);
    }

    /**
     * Four significant digits without trailing zeros: 2.5 -> "2.5", 30 -> "30", 0.02180 ->
     * "0.0218", 3.8155 -> "3.816".
     */
    public static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        String s =
                new java.math.BigDecimal(v)
                        .round(new java.math.MathContext(4))
                        .stripTrailingZeros()
                        .toPlainString();
        return s.equals("-0") ? "0" : s;
    }
}
