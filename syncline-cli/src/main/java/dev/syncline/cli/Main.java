package dev.syncline.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code syncline}. Exit codes: 0 success, 1 failure (one line on stderr), 2 needs a
 * person, 64 bad usage.
 */
@Command(name = "syncline", mixinStandardHelpOptions = true, version = "syncline 0.1.0",
        description = "Offline-first sync engine: server, tokens, client replica, demo, benchmark.",
        subcommands = {ServerCommand.class, TokenCommand.class, ClientCommand.class, DemoCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad usage (sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** Exit code when the command worked but needs a person (open conflicts). */
    public static final int EXIT_NEEDS_PERSON = 2;
    /** Exit code for a failure. */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Runs {@code args}, exiting the JVM with the command's exit code. */
    public static void main(String[] args) {
        int code = execute(args);
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    /** Runs {@code args} and returns the exit code (for tests and embedding). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("syncline: " + ex.getMessage());
            err.println("try: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            err.flush();
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            err.println("syncline: " + msg.replace('\n', ' '));
            err.flush();
            return EXIT_FAILURE;
        });
        return cmd;
    }
}
