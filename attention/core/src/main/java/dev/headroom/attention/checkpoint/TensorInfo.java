package dev.headroom.attention.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: where its bytes lie (relative to the data section)
 * and its type.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end, Path file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
