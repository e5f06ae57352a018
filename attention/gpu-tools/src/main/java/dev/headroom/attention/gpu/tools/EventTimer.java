package dev.headroom.attention.gpu.tools;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;

import dev.headroom.attention.gpu.CudaContext;
import dev.headroom.attention.gpu.DeviceBuffer;
import java.util.Arrays;
import jcuda.driver.CUevent;

/**
 * Times device work with CUDA events as triton's do_bench times the peers: warm-up runs first, then
 * before each timed run the L2 cache is flushed by a 256 MB memset, and the host never waits inside
 * the loop, so it enqueues each run while the flush executes and the events measure device time
 * only (no launch gaps). The median of the runs is reported.
 */
final class EventTimer implements AutoCloseable {
    private final CudaContext cuda;
    private final DeviceBuffer l2Flush;

    EventTimer(CudaContext cuda) {
        this.cuda = cuda;
        this.l2Flush = cuda.allocate(256L << 20);
    }

    /** Median milliseconds of {@code reps} runs after {@code warmup} runs. */
    double medianMs(Runnable run, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) run.run();
        cuda.synchronize();
        CUevent[] start = new CUevent[reps], stop = new CUevent[reps];
        for (int i = 0; i < reps; i++) {
            start[i] = new CUevent();
            stop[i] = new CUevent();
            cuEventCreate(start[i], 0);
            cuEventCreate(stop[i], 0);
        }
        for (int i = 0; i < reps; i++) {
            l2Flush.fillWordsAsync(i);
            cuEventRecord(start[i], null);
            run.run();
            cuEventRecord(stop[i], null);
        }
        cuda.synchronize();
        double[] ms = new double[reps];
        float[] elapsed = new float[1];
        for (int i = 0; i < reps; i++) {
            cuEventElapsedTime(elapsed, start[i], stop[i]);
            ms[i] = elapsed[0];
            cuEventDestroy(start[i]);
            cuEventDestroy(stop[i]);
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    @Override
    public void close() {
        l2Flush.close();
    }
}
