package dev.headroom.attention.gpu;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA context on one device, with the PTX modules of this package loaded on demand through
 * {@code cuModuleLoadData}. Errors surface as {@code jcuda.CudaException} (exceptions are enabled).
 * Use from one thread at a time.
 */
public final class CudaContext implements AutoCloseable {
    private static final String PTX_FOLDER = "/dev/headroom/attention/gpu/";

    private final CUcontext context = new CUcontext();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final int multiprocessors;
    private final int maxSharedPerBlockOptin;
    private final int computeCapability;
    private CUstream
            stream; // where launches go: null (the legacy default stream) but while capturing

    public CudaContext() {
        this(0);
    }

    public CudaContext(int deviceIndex) {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        CUdevice device = new CUdevice();
        cuDeviceGet(device, deviceIndex);
        cuCtxCreate(context, 0, device);
        multiprocessors =
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        maxSharedPerBlockOptin =
                attribute(
                        device,
                        CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        computeCapability =
                10
                                * attribute(
                                        device,
                                        CUdevice_attribute
                                                .CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                        + attribute(
                                device,
                                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    /** Compute capability as 10 * major + minor (90 for Hopper). */
    public int computeCapability() {
        return computeCapability;
    }

    private static int attribute(CUdevice device, int which) {
        int[] value = new int[1];
        cuDeviceGetAttribute(value, which, device);
        return value[0];
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** Makes this context current on the calling thread. */
    public void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    /** A kernel of a module of this package ({@code module}.ptx under the package's resources). */
    public CUfunction function(String module, String kernel) {
        return functions.computeIfAbsent(
                module + "/" + kernel,
                key -> {
                    CUfunction f = new CUfunction();
                    cuModuleGetFunction(
                            f, modules.computeIfAbsent(module, this::loadModule), kernel);
                    return f;
                });
    }

    /** Lets a kernel take more than 48 KB of dynamic shared memory. */
    public void allowDynamicShared(CUfunction f, int bytes) {
        if (bytes > maxSharedPerBlockOptin) {
            throw new IllegalArgumentException(
                    bytes + " bytes of shared memory, device allows " + maxSharedPerBlockOptin);
        }
        cuFuncSetAttribute(
                f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
    }

    private CUmodule loadModule(String name) {
        String path = PTX_FOLDER + name + ".ptx";
        try (InputStream in = CudaContext.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing PTX resource " + path);
            byte[] ptx = in.readAllBytes();
            CUmodule module = new CUmodule();
            cuModuleLoadData(
                    module,
                    Arrays.copyOf(ptx, ptx.length + 1)); // the driver wants a NUL-terminated image
            return module;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DeviceBuffer allocate(long bytes) {
        return new DeviceBuffer(bytes);
    }

    /**
     * Records the launches {@code body} makes into a CUDA graph instead of running them, and
     * returns it instantiated: on a stream of its own (which orders itself with the default
     * stream), in relaxed capture mode. {@code body} must not copy to or from the host, nor wait.
     */
    public CudaGraph capture(Runnable body) {
        CUstream capturing = new CUstream();
        cuCtxSynchronize(); // the stream does not wait for the default stream: earlier work is done
        cuStreamCreate(capturing, CUstream_flags.CU_STREAM_NON_BLOCKING);
        CUgraph graph = new CUgraph();
        try {
            stream = capturing;
            cuStreamBeginCapture(capturing, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
            try {
                body.run();
            } finally {
                cuStreamEndCapture(capturing, graph);
                stream = null;
            }
            CUgraphExec exec = new CUgraphExec();
            cuGraphInstantiate(exec, graph, 0);
            return new CudaGraph(graph, exec, capturing);
        } catch (RuntimeException e) {
            cuStreamDestroy(capturing);
            throw e;
        }
    }

    /**
     * Launches a kernel on the default stream (on the capturing stream inside {@link #capture}).
     * Arguments: {@link DeviceBuffer}, Integer, Long, Float, or null for a null device pointer.
     *
     * @param grid x, y (and z) block counts; block: threads in x
     */
    public void launch(CUfunction f, int[] grid, int block, int sharedBytes, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) params[i] = Pointer.to(new long[] {0});
            else if (a instanceof DeviceBuffer)
                params[i] = Pointer.to(((DeviceBuffer) a).pointer());
            else if (a instanceof Integer) params[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Long) params[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Float) params[i] = Pointer.to(new float[] {(Float) a});
            else
                throw new IllegalArgumentException(
                        "kernel argument " + i + " of type " + a.getClass());
        }
        int gy = grid.length > 1 ? grid[1] : 1, gz = grid.length > 2 ? grid[2] : 1;
        cuLaunchKernel(
                f, grid[0], gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(params), null);
    }

    /** Waits for the device; a failed kernel shows up here as an exception. */
    public void synchronize() {
        cuCtxSynchronize();
    }

    @Override
    public void close() {
        for (CUmodule m : modules.values()) cuModuleUnload(m);
        modules.clear();
        functions.clear();
        cuCtxDestroy(context);
    }
}
