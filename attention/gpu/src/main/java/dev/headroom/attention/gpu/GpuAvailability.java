package dev.headroom.attention.gpu;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * Whether a CUDA GPU and driver answer through JCuda's driver API. The probe runs once per JVM; it
 * never throws, since a machine without a GPU is the normal case for CI. Choosing a backend is the
 * core's ({@code dev.headroom.attention.runtime.Runtimes}, through {@link CudaRuntimeProvider}).
 */
public final class GpuAvailability {
    private static volatile GpuAvailability probed;

    private final boolean available;
    private final String description;

    private GpuAvailability(boolean available, String description) {
        this.available = available;
        this.description = description;
    }

    /** The result of probing the driver (cached). */
    public static GpuAvailability probe() {
        GpuAvailability result = probed;
        if (result == null) {
            synchronized (GpuAvailability.class) {
                if (probed == null) probed = runProbe();
                result = probed;
            }
        }
        return result;
    }

    private static GpuAvailability runProbe() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0)
                return new GpuAvailability(false, "the CUDA driver reports no device");
            CUdevice device = new CUdevice();
            cuDeviceGet(device, 0);
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, device);
            int[] version = new int[1];
            cuDriverGetVersion(version);
            String deviceName =
                    new String(name, StandardCharsets.US_ASCII).trim().replace("\0", "");
            return new GpuAvailability(
                    true,
                    deviceName
                            + ", driver API "
                            + version[0] / 1000
                            + "."
                            + version[0] % 1000 / 10);
        } catch (
                Throwable
                        e) { // UnsatisfiedLinkError without libcuda, CudaException without a device
            return new GpuAvailability(
                    false,
                    "no CUDA driver or GPU ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + firstLine(e.getMessage())
                            + ")");
        }
    }

    private static String firstLine(String message) {
        if (message == null) return "";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    public boolean available() {
        return available;
    }

    /** The device and driver when available, else why not. */
    public String description() {
        return description;
    }
}
