package dev.headroom.pipeline.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.headroom.pipeline.api.ConfigPointer;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Line and column of every key and list element of a YAML document, by JSON pointer, so that errors
 * found after binding (a value out of range, a missing directory) can name where they are. A key's
 * location is where the key is written; a list element's is where the element starts.
 */
final class YamlLocations {

    /** 1-based line and column. */
    record Location(int line, int column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    private final Map<String, Location> byPointer;

    private YamlLocations(Map<String, Location> byPointer) {
        this.byPointer = byPointer;
    }

    static YamlLocations index(String yaml) throws IOException {
        Map<String, Location> map = new HashMap<>();
        // Each open container: its pointer, and for arrays the next index (-1 for objects).
        Deque<String> pointers = new ArrayDeque<>();
        Deque<int[]> nextIndex = new ArrayDeque<>();
        String pendingKey = null;
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    pendingKey = pointers.peek() + "/" + escape(p.currentName());
                    map.put(pendingKey, at(p.currentTokenLocation()));
                    continue;
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    pointers.pop();
                    nextIndex.pop();
                    continue;
                }
                String here;
                if (pointers.isEmpty()) {
                    here = "";
                } else if (nextIndex.peek()[0] >= 0) {
                    here = pointers.peek() + "/" + nextIndex.peek()[0]++;
                    map.put(here, at(p.currentTokenLocation()));
                } else {
                    here = pendingKey;
                }
                map.putIfAbsent(here, at(p.currentTokenLocation()));
                if (t == JsonToken.START_OBJECT) {
                    pointers.push(here);
                    nextIndex.push(new int[] {-1});
                } else if (t == JsonToken.START_ARRAY) {
                    pointers.push(here);
                    nextIndex.push(new int[] {0});
                }
            }
        }
        return new YamlLocations(map);
    }

    /** The location of a pointer, or of its nearest ancestor that has one. */
    Location find(ConfigPointer pointer) {
        for (ConfigPointer p = pointer; ; p = p.parent()) {
            Location l = byPointer.get(p.json());
            if (l != null || p.steps().isEmpty()) {
                return l == null ? new Location(1, 1) : l;
            }
        }
    }

    private static Location at(JsonLocation l) {
        return new Location(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
