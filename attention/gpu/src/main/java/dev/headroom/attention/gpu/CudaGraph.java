package dev.headroom.attention.gpu;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

import jcuda.driver.CUevent;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;

/**
 * Launches captured once ({@link CudaContext#capture}) and replayed with one call each time, so a
 * decode step of hundreds of kernels costs the host one launch.
 */
public final class CudaGraph implements AutoCloseable {
    private final CUgraph graph;
    private final CUgraphExec exec;
    private final CUstream stream;

    CudaGraph(CUgraph graph, CUgraphExec exec, CUstream stream) {
        this.graph = graph;
        this.exec = exec;
        this.stream = stream;
    }

    /**
     * Replays the graph {@code times} times back to back (no host wait between them) and returns
     * the device milliseconds they took, timed with CUDA events on the graph's stream.
     */
    public double replay(int times) {
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        try {
            cuEventRecord(start, stream);
            for (int i = 0; i < times; i++) cuGraphLaunch(exec, stream);
            cuEventRecord(stop, stream);
            cuEventSynchronize(stop);
            float[] ms = new float[1];
            cuEventElapsedTime(ms, start, stop);
            return ms[0];
        } finally {
            cuEventDestroy(start);
            cuEventDestroy(stop);
        }
    }

    @Override
    public void close() {
        cuGraphExecDestroy(exec);
        cuGraphDestroy(graph);
        cuStreamDestroy(stream);
    }
}
