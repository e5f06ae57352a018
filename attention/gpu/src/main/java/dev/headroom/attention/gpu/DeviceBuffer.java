package dev.headroom.attention.gpu;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD16;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import dev.headroom.quantize.Bf16;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory of a fixed size, or a view of part of another buffer ({@link #slice}; closing a
 * view frees nothing). Copies check that the host array fits.
 */
public final class DeviceBuffer implements AutoCloseable {
    private final CUdeviceptr pointer;
    private final long bytes;
    private final boolean view;
    private boolean freed;

    DeviceBuffer(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("buffer of " + bytes + " bytes");
        this.bytes = bytes;
        this.pointer = new CUdeviceptr();
        this.view = false;
        cuMemAlloc(pointer, bytes);
    }

    private DeviceBuffer(CUdeviceptr pointer, long bytes) {
        this.pointer = pointer;
        this.bytes = bytes;
        this.view = true;
    }

    /** A view of bytes [offset, offset + length) of this buffer, valid while this one lives. */
    public DeviceBuffer slice(long offset, long length) {
        if (offset < 0 || length <= 0 || offset + length > bytes)
            throw new IllegalArgumentException(
                    "slice [" + offset + ", " + (offset + length) + ") of " + bytes + " bytes");
        return new DeviceBuffer(pointer().withByteOffset(offset), length);
    }

    /**
     * Copies the first {@code length} bytes of {@code source} into this buffer (device to device).
     */
    public void copyFrom(DeviceBuffer source, long length) {
        checkFits(length);
        if (length > source.bytes) throw new IllegalArgumentException("copy past the source");
        cuMemcpyDtoD(pointer(), source.pointer(), length);
    }

    public long bytes() {
        return bytes;
    }

    CUdeviceptr pointer() {
        if (freed) throw new IllegalStateException("buffer already freed");
        return pointer;
    }

    private void checkFits(long length) {
        if (length > bytes)
            throw new IllegalArgumentException(length + " bytes into a buffer of " + bytes);
    }

    public DeviceBuffer upload(short[] host) {
        checkFits((long) host.length * Sizeof.SHORT);
        cuMemcpyHtoD(pointer(), Pointer.to(host), (long) host.length * Sizeof.SHORT);
        return this;
    }

    public DeviceBuffer upload(int[] host) {
        checkFits((long) host.length * Sizeof.INT);
        cuMemcpyHtoD(pointer(), Pointer.to(host), (long) host.length * Sizeof.INT);
        return this;
    }

    public DeviceBuffer upload(long[] host) {
        checkFits((long) host.length * Sizeof.LONG);
        cuMemcpyHtoD(pointer(), Pointer.to(host), (long) host.length * Sizeof.LONG);
        return this;
    }

    public DeviceBuffer upload(float[] host) {
        checkFits((long) host.length * Sizeof.FLOAT);
        cuMemcpyHtoD(pointer(), Pointer.to(host), (long) host.length * Sizeof.FLOAT);
        return this;
    }

    public short[] downloadShorts(int count) {
        checkFits((long) count * Sizeof.SHORT);
        short[] host = new short[count];
        cuMemcpyDtoH(Pointer.to(host), pointer(), (long) count * Sizeof.SHORT);
        return host;
    }

    public int[] downloadInts(int count) {
        checkFits((long) count * Sizeof.INT);
        int[] host = new int[count];
        cuMemcpyDtoH(Pointer.to(host), pointer(), (long) count * Sizeof.INT);
        return host;
    }

    public float[] downloadFloats(int count) {
        checkFits((long) count * Sizeof.FLOAT);
        float[] host = new float[count];
        cuMemcpyDtoH(Pointer.to(host), pointer(), (long) count * Sizeof.FLOAT);
        return host;
    }

    /**
     * Fills the buffer with bf16 NaN, so that an element the kernel fails to write cannot pass a
     * check.
     */
    public void poisonBf16() {
        cuMemsetD16(pointer(), Bf16.NAN, bytes / 2);
    }

    /**
     * Enqueues a fill of every 32-bit word with {@code word} on the default stream (no wait): an L2
     * flush.
     */
    public void fillWordsAsync(int word) {
        cuMemsetD32Async(pointer(), word, bytes / 4, null);
    }

    /** Sets every 16-bit element to {@code bits} (a bf16 constant, say). */
    public void fillShorts(short bits) {
        cuMemsetD16(pointer(), bits, bytes / 2);
    }

    /** Fills the buffer with float32 NaN. */
    public void poisonFloat() {
        cuMemsetD32(pointer(), 0x7fc00000, bytes / 4);
    }

    @Override
    public void close() {
        if (view) return;
        if (!freed) {
            cuMemFree(pointer);
            freed = true;
        }
    }
}
