package dev.headroom.attention.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header, then the
 * data section. The header is validated in full when the file is opened; tensor bytes are mapped
 * only when read, one region at a time, so files of any size open without reading them into memory.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers of real checkpoints are well under a megabyte; anything above this is corrupt. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final int MAP_CHUNK = 1 << 30;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsFile(
            Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path, "file not found");
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot open: " + e.getMessage());
        }
        try {
            return readHeader(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsFile readHeader(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8)
                throw new CheckpointException(
                        path, "truncated safetensors file: " + size + " bytes, no header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException(
                        path,
                        "safetensors header length "
                                + Long.toUnsignedString(headerLen)
                                + " is outside the sane range [2, "
                                + MAX_HEADER_BYTES
                                + "]");
            }
            if (8 + headerLen > size) {
                throw new CheckpointException(
                        path,
                        "safetensors header of "
                                + headerLen
                                + " bytes is longer than the file ("
                                + size
                                + " bytes): truncated or corrupt");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header =
                        new ObjectMapper().readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(
                        path, "safetensors header is not valid JSON: " + firstLine(e.getMessage()));
            }
            if (header == null || !header.isObject())
                throw new CheckpointException(path, "safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataLen));
            }
            checkNoOverlap(path, tensors);
            return new SafetensorsFile(path, ch, dataStart, tensors);
        } catch (IOException e) {
            throw new CheckpointException(path, "cannot read: " + e.getMessage());
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode n, long dataLen) {
        String where = "tensor '" + name + "'";
        if (!n.isObject())
            throw new CheckpointException(path, where + ": header entry is not an object");
        String dt = n.path("dtype").asText("");
        DType dtype = DType.fromSafetensors(dt);
        if (dtype == null)
            throw new CheckpointException(
                    path, where + ": unsupported dtype '" + dt + "' (supported: F32, F16, BF16)");
        JsonNode shapeNode = n.path("shape");
        JsonNode offs = n.path("data_offsets");
        if (!shapeNode.isArray()) throw new CheckpointException(path, where + ": missing shape");
        if (!offs.isArray()
                || offs.size() != 2
                || !offs.get(0).canConvertToLong()
                || !offs.get(1).canConvertToLong()) {
            throw new CheckpointException(path, where + ": data_offsets must be two integers");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0)
                throw new CheckpointException(
                        path, where + ": negative or non-integer dimension in shape");
            count = Math.multiplyExact(count, shape[i]);
        }
        long begin = offs.get(0).asLong(), end = offs.get(1).asLong();
        if (begin < 0 || end < begin)
            throw new CheckpointException(
                    path,
                    where + ": data_offsets [" + begin + ", " + end + "] are not an ordered range");
        if (end > dataLen) {
            throw new CheckpointException(
                    path,
                    where
                            + ": data_offsets ["
                            + begin
                            + ", "
                            + end
                            + "] run past the end of the data ("
                            + dataLen
                            + " bytes): the file is truncated or corrupt");
        }
        if (end - begin != count * dtype.bytes()) {
            throw new CheckpointException(
                    path,
                    where
                            + ": "
                            + (end - begin)
                            + " bytes do not match shape "
                            + java.util.Arrays.toString(shape)
                            + " of "
                            + dt);
        }
        return new TensorInfo(name, dtype, shape, begin, end, path);
    }

    private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw new CheckpointException(
                        path,
                        "tensors '"
                                + a.name()
                                + "' and '"
                                + b.name()
                                + "' overlap in the data section");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Reads a tensor's elements as float, mapping its bytes in chunks of at most 1 GiB. */
    public float[] readFloats(TensorInfo t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8)
            throw new CheckpointException(
                    path, "tensor '" + t.name() + "' has more elements than one array holds");
        float[] out = new float[(int) n];
        long elemsPerChunk = MAP_CHUNK / t.dtype().bytes();
        try {
            for (long done = 0; done < n; done += elemsPerChunk) {
                int count = (int) Math.min(elemsPerChunk, n - done);
                MappedByteBuffer buf =
                        channel.map(
                                FileChannel.MapMode.READ_ONLY,
                                dataStart + t.begin() + done * t.dtype().bytes(),
                                (long) count * t.dtype().bytes());
                buf.order(ByteOrder.LITTLE_ENDIAN);
                t.dtype().decode(buf, out, (int) done, count);
            }
        } catch (IOException e) {
            throw new CheckpointException(
                    path, "cannot read tensor '" + t.name() + "': " + e.getMessage());
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do: the file was only read
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
