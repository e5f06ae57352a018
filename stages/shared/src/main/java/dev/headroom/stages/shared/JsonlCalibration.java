package dev.headroom.stages.shared;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.attention.HeadroomException;
import dev.headroom.eval.harness.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Calibration texts from a JSONL file: one {"text": "..."} or {"ids": [...]} object per line. */
final class JsonlCalibration {
    private JsonlCalibration() {}

    /**
     * Lines {@code first .. first+count-1}, each at every length; bad lines are reported with their
     * number.
     */
    static List<CalibrationSpec> read(Path file, List<Integer> lengths, int first, int count) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new HeadroomException(file + ": cannot read: " + e.getMessage());
        }
        List<String> texts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode n;
            try {
                n = om.readTree(lines.get(i));
            } catch (IOException e) {
                throw new HeadroomException(file + ":" + (i + 1) + ": not valid JSON");
            }
            if (n.hasNonNull("text") && n.get("text").isTextual()) {
                texts.add(n.get("text").asText());
                ids.add(null);
            } else if (n.has("ids") && n.get("ids").isArray()) {
                int[] a = new int[n.get("ids").size()];
                for (int j = 0; j < a.length; j++) a[j] = n.get("ids").get(j).asInt();
                texts.add(null);
                ids.add(a);
            } else {
                throw new HeadroomException(
                        file
                                + ":"
                                + (i + 1)
                                + ": expected an object with \"text\" (a string) or \"ids\" (a list)");
            }
        }
        if (texts.size() < first + count) {
            throw new HeadroomException(
                    file
                            + ": has "
                            + texts.size()
                            + " samples; calibration needs "
                            + (first + count)
                            + " (profiling uses the first 'samples', validation the ones after)");
        }
        List<CalibrationSpec> specs = new ArrayList<>();
        for (int len : lengths) {
            for (int i = first; i < first + count; i++) {
                specs.add(
                        new CalibrationSpec(
                                TaskSpec.of(CalibrationSpec.JSONL_TASK),
                                len,
                                0,
                                i,
                                0,
                                false,
                                texts.get(i),
                                ids.get(i)));
            }
        }
        return specs;
    }
}
