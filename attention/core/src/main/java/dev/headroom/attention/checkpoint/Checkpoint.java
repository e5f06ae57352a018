package dev.headroom.attention.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards
 * named by {@code model.safetensors.index.json}. Reads are by name, with the shape checked against
 * what the model expects.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<Path, SafetensorsFile> byPath = new LinkedHashMap<>();

    private Checkpoint(Path dir, List<SafetensorsFile> files) {
        this.dir = dir;
        this.files = files;
        for (SafetensorsFile f : files) {
            byPath.put(f.path(), f);
            for (TensorInfo t : f.tensors().values()) {
                TensorInfo prev = tensors.put(t.name(), t);
                if (prev != null)
                    throw new CheckpointException(
                            f.path(), "tensor '" + t.name() + "' also appears in " + prev.file());
            }
        }
    }

    public static Checkpoint open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single))
            return new Checkpoint(dir, List.of(SafetensorsFile.open(single)));
        if (!Files.isRegularFile(index)) {
            throw new CheckpointException(
                    single, "file not found (and no " + INDEX_FILE + " for a sharded checkpoint)");
        }
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new CheckpointException(
                    index, "not valid JSON: " + e.getMessage().split("\n")[0]);
        }
        if (!weightMap.isObject() || weightMap.size() == 0)
            throw new CheckpointException(index, "missing or empty 'weight_map'");
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            shardOf.put(e.getKey(), e.getValue().asText());
        }
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (String shard : new java.util.LinkedHashSet<>(shardOf.values())) {
                Path p = dir.resolve(shard).normalize();
                if (!p.startsWith(dir.normalize()))
                    throw new CheckpointException(
                            index, "shard '" + shard + "' lies outside the model directory");
                opened.add(SafetensorsFile.open(p));
            }
            Checkpoint c = new Checkpoint(dir, opened);
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                TensorInfo t = c.tensors.get(e.getKey());
                if (t == null
                        || !t.file()
                                .getFileName()
                                .toString()
                                .equals(Path.of(e.getValue()).getFileName().toString())) {
                    throw new CheckpointException(
                            index,
                            "tensor '" + e.getKey() + "' is not in its shard " + e.getValue());
                }
            }
            return c;
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public Path directory() {
        return dir;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The tensor's info after checking that it exists with the expected shape. */
    public TensorInfo expect(String name, long... shape) {
        TensorInfo t = tensors.get(name);
        if (t == null)
            throw new CheckpointException(describe(), "tensor '" + name + "' is missing");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(
                    t.file(),
                    "tensor '"
                            + name
                            + "' has shape "
                            + t.shapeString()
                            + " but the config implies "
                            + Arrays.toString(shape));
        }
        return t;
    }

    /** The tensor's elements as float, row-major, after the shape check of {@link #expect}. */
    public float[] read(String name, long... shape) {
        TensorInfo t = expect(name, shape);
        return byPath.get(t.file()).readFloats(t);
    }

    /** The dtype most tensors are stored in, for the model summary. */
    public DType storedDtype() {
        Map<DType, Long> bytes = new LinkedHashMap<>();
        for (TensorInfo t : tensors.values())
            bytes.merge(t.dtype(), t.end() - t.begin(), Long::sum);
        return bytes.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse(DType.F32);
    }

    private Path describe() {
        return files.size() == 1 ? files.get(0).path() : dir.resolve(INDEX_FILE);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
