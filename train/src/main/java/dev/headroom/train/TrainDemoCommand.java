package dev.headroom.train;

import dev.headroom.attention.HeadroomException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Trains the bundled demo model. (Being built: see the demo-model issue.) */
@Command(name = "train-demo", description = "Train the bundled demo model.")
public final class TrainDemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new HeadroomException("train-demo: not implemented yet");
    }
}
