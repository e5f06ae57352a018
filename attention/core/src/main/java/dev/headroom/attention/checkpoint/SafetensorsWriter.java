package dev.headroom.attention.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.attention.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes float tensors as an F32 safetensors file. Written to a temporary name and renamed, so a
 * reader never sees half a file.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** A named tensor: row-major data and its shape. */
    public record Tensor(float[] data, long[] shape) {}

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long n = 1;
            for (long d : e.getValue().shape()) n *= d;
            if (n != e.getValue().data().length)
                throw new IllegalArgumentException(
                        e.getKey() + ": shape does not match data length");
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + 4 * n);
            offset += 4 * n;
        }
        byte[] json = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // keep the data section 8-byte aligned
        byte[] padded = new byte[json.length + pad];
        System.arraycopy(json, 0, padded, 0, json.length);
        for (int i = json.length; i < padded.length; i++) padded[i] = ' ';
        AtomicFiles.write(
                file,
                tmp -> {
                    try (OutputStream out = Files.newOutputStream(tmp)) {
                        ByteBuffer len =
                                ByteBuffer.allocate(8)
                                        .order(ByteOrder.LITTLE_ENDIAN)
                                        .putLong(padded.length);
                        out.write(len.array());
                        out.write(padded);
                        for (Tensor t : tensors.values()) {
                            ByteBuffer b =
                                    ByteBuffer.allocate(4 * t.data().length)
                                            .order(ByteOrder.LITTLE_ENDIAN);
                            b.asFloatBuffer().put(t.data());
                            out.write(b.array());
                        }
                    }
                });
    }
}
