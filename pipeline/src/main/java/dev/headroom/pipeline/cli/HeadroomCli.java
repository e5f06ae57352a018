package dev.headroom.pipeline.cli;

import dev.headroom.attention.HeadroomException;
import dev.headroom.pipeline.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code headroom} command: the pipeline and the model tools. The only place that calls
 * System.exit.
 */
@Command(
        name = "headroom",
        mixinStandardHelpOptions = true,
        version = HeadroomCli.VERSION,
        description = "Compresses the attention of long-context LLMs.",
        subcommands = {
            RunCommand.class,
            InspectCommand.class,
            GenerateCommand.class,
            LogitsCommand.class,
            dev.headroom.train.TrainDemoCommand.class,
            dev.headroom.train.EvaluateDemoCommand.class
        })
public final class HeadroomCli {

    /** What {@code --version} prints, on every command. */
    static final String VERSION = "headroom 0.1.0";

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 ok, 2 bad input, 70 internal error. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new HeadroomCli());
        cl.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    Throwable t = rootUserError(e);
                    if (t instanceof ConfigException c) {
                        c.problems().forEach(p -> cmd.getErr().println("error: " + p));
                        return 2;
                    }
                    if (t instanceof HeadroomException) {
                        cmd.getErr().println("error: " + t.getMessage());
                        return 2;
                    }
                    if (System.getenv("HEADROOM_DEBUG") != null) e.printStackTrace(cmd.getErr());
                    cmd.getErr()
                            .println(
                                    "internal error: "
                                            + e
                                            + " (set HEADROOM_DEBUG=1 for the stack trace)");
                    return 70;
                });
        try {
            return cl.execute(args);
        } catch (Throwable e) { // errors (linkage, out of memory) bypass picocli's handler
            cl.getErr()
                    .println(
                            "internal error: " + e + " (set HEADROOM_DEBUG=1 for the stack trace)");
            if (System.getenv("HEADROOM_DEBUG") != null) e.printStackTrace();
            return 70;
        }
    }

    /**
     * The first user-facing error in the cause chain (Beam wraps worker exceptions), else the
     * exception itself.
     */
    static Throwable rootUserError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HeadroomException) return t;
        }
        return e;
    }
}
