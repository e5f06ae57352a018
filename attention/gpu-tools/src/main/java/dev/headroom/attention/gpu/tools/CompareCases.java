package dev.headroom.attention.gpu.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Compares two {@link RunCases} outputs case by case (matched on task, length, depth, sample and
 * policy): the answers ({@code output} ids) and the cache bytes and density. Lists every mismatch
 * with its case and ends with "cases: E/N equal answers (P%)"; exit 0 when at least {@code
 * --min-percent} (default 98) agree and every case of the first file has its twin.
 *
 * <pre>java -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.CompareCases cpu.jsonl gpu.jsonl
 * </pre>
 */
public final class CompareCases {
    private CompareCases() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) throw new IllegalArgumentException("usage: CompareCases A B");
        double minPercent =
                args.length > 3 && args[2].equals("--min-percent")
                        ? Double.parseDouble(args[3])
                        : 98;
        Map<String, JsonNode> a = read(Path.of(args[0])), b = read(Path.of(args[1]));
        int equal = 0, missing = 0, costs = 0;
        double msA = 0, msB = 0;
        for (Map.Entry<String, JsonNode> e : a.entrySet()) {
            JsonNode x = e.getValue(), y = b.get(e.getKey());
            if (y == null) {
                missing++;
                System.out.println("missing in " + args[1] + ": " + e.getKey());
                continue;
            }
            msA += x.get("prefill_ms").asDouble();
            msB += y.get("prefill_ms").asDouble();
            if (x.get("output").equals(y.get("output"))) equal++;
            else
                System.out.println(
                        "answer differs: "
                                + e.getKey()
                                + " score "
                                + x.get("score").asDouble()
                                + " vs "
                                + y.get("score").asDouble());
            if (x.get("kv_cache_bytes").asLong() != y.get("kv_cache_bytes").asLong()
                    || Math.abs(x.get("density").asDouble() - y.get("density").asDouble())
                            > 1e-12) {
                costs++;
                System.out.println("cache bytes or density differ: " + e.getKey());
            }
        }
        double percent = 100.0 * equal / Math.max(1, a.size());
        System.out.printf(
                Locale.ROOT,
                "cases: %d/%d equal answers (%.1f%%), %d missing, %d with other bytes or"
                        + " density; prefill %.0f ms (%s) vs %.0f ms (%s) in all%n",
                equal,
                a.size(),
                percent,
                missing,
                costs,
                msA,
                args[0],
                msB,
                args[1]);
        System.exit(percent >= minPercent && missing == 0 && costs == 0 ? 0 : 1);
    }

    private static Map<String, JsonNode> read(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("{")) continue;
            JsonNode r = json.readTree(line);
            String key =
                    String.join(
                            " ",
                            r.get("task").asText(),
                            "length=" + r.get("length").asText(),
                            "depth=" + r.get("depth").asText(),
                            "sample=" + r.get("sample").asText(),
                            r.get("policy").asText());
            rows.put(key, r);
        }
        return rows;
    }
}
