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
 * policy): the answers ({@code output} ids, and {@code prediction} where the cases are text) and
 * the cache bytes and density. Lists every mismatch with its case, then one line per policy
 * ("policy P: E/N equal answers (x%), mean score a vs b, prefill / decode seconds of each") and a
 * last line "cases: E/N equal answers (P%)"; exit 0 when every policy has at least {@code
 * --min-percent} (default 98) equal, every case of the first file has its twin and bytes and
 * density agree, 1 otherwise, 2 on bad input.
 *
 * <pre>java -cp '.gpu/lib/*' dev.headroom.attention.gpu.tools.CompareCases cpu.jsonl gpu.jsonl
 * </pre>
 */
public final class CompareCases {
    private CompareCases() {}

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) throws java.io.IOException {
        if (args.length != 2 && !(args.length == 4 && args[2].equals("--min-percent")))
            throw new IllegalArgumentException("usage: CompareCases A B [--min-percent P]");
        double minPercent = args.length == 4 ? Double.parseDouble(args[3]) : 98;
        Map<String, JsonNode> a = read(Path.of(args[0])), b = read(Path.of(args[1]));
        if (a.isEmpty()) throw new IllegalArgumentException(args[0] + " holds no case rows");
        // per policy: cases, equal, score a, score b, prefill a, prefill b, decode a, decode b
        Map<String, double[]> policies = new LinkedHashMap<>();
        int equal = 0, missing = 0, costs = 0;
        for (Map.Entry<String, JsonNode> e : a.entrySet()) {
            JsonNode x = e.getValue(), y = b.get(e.getKey());
            if (y == null) {
                missing++;
                System.out.println("missing in " + args[1] + ": " + e.getKey());
                continue;
            }
            double[] p = policies.computeIfAbsent(x.get("policy").asText(), k -> new double[8]);
            p[0]++;
            p[2] += x.get("score").asDouble();
            p[3] += y.get("score").asDouble();
            p[4] += x.get("prefill_ms").asDouble() / 1e3;
            p[5] += y.get("prefill_ms").asDouble() / 1e3;
            p[6] += x.path("decode_ms").asDouble() / 1e3;
            p[7] += y.path("decode_ms").asDouble() / 1e3;
            boolean same =
                    x.get("output").equals(y.get("output"))
                            && x.path("prediction").equals(y.path("prediction"));
            if (same) {
                equal++;
                p[1]++;
            } else {
                System.out.println(
                        "answer differs: "
                                + e.getKey()
                                + ": '"
                                + x.path("prediction").asText(x.get("output").toString())
                                + "' (score "
                                + x.get("score").asDouble()
                                + ") vs '"
                                + y.path("prediction").asText(y.get("output").toString())
                                + "' (score "
                                + y.get("score").asDouble()
                                + ")");
            }
            if (x.get("kv_cache_bytes").asLong() != y.get("kv_cache_bytes").asLong()
                    || Math.abs(x.get("density").asDouble() - y.get("density").asDouble())
                            > 1e-12) {
                costs++;
                System.out.println("cache bytes or density differ: " + e.getKey());
            }
        }
        boolean pass = missing == 0 && costs == 0;
        for (Map.Entry<String, double[]> e : policies.entrySet()) {
            double[] p = e.getValue();
            double percent = 100 * p[1] / p[0];
            pass &= percent >= minPercent;
            System.out.printf(
                    Locale.ROOT,
                    "policy %s: %d/%d equal answers (%.1f%%), mean score %.4f vs %.4f; prefill"
                            + " %.2f s vs %.2f s, decode %.2f s vs %.2f s%n",
                    e.getKey(),
                    (int) p[1],
                    (int) p[0],
                    percent,
                    p[2] / p[0],
                    p[3] / p[0],
                    p[4],
                    p[5],
                    p[6],
                    p[7]);
        }
        System.out.printf(
                Locale.ROOT,
                "cases: %d/%d equal answers (%.1f%%), %d missing, %d with other bytes or density"
                        + " (%s vs %s)%n",
                equal,
                a.size(),
                100.0 * equal / a.size(),
                missing,
                costs,
                args[0],
                args[1]);
        return pass ? 0 : 1;
    }

    private static Map<String, JsonNode> read(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such file: " + file);
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
