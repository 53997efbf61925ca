package dev.syncline.cli;

import dev.syncline.bench.EndToEndBench;
import dev.syncline.core.Json;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code syncline bench}: the end-to-end harness of syncline-bench on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure push, pull and live propagation end to end on loopback (server and two replicas).")
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--docs", defaultValue = "100000", description = "Documents to push and pull (default 100000).")
    int docs;

    @Option(names = "--batch", defaultValue = "500", description = "Operations per push, 1-500 (default 500).")
    int batch;

    @Option(names = "--page", defaultValue = "1000", description = "Changes per pull page, 1-1000 (default 1000).")
    int page;

    @Option(names = "--postgres", paramLabel = "JDBC_URL", description = "Run the server on PostgreSQL instead of the embedded store.")
    String postgres;

    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (docs < 1 || batch < 1 || batch > 500 || page < 1 || page > 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--docs must be positive, --batch 1-500, --page 1-1000");
        }
        if (System.getenv("SYNCLINE_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getLogger("dev.syncline") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        EndToEndBench.Result r = EndToEndBench.run(docs, batch, page, postgres, new PrintStream(System.err, true));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(r.json()));
        } else {
            out.printf("%-34s %12s%n", "measure", "value");
            out.printf("%-34s %,12d%n", "documents", r.docs());
            out.printf("%-34s %,12.0f  (%.2f s)%n", "push, operations/s", r.opsPerSec(), r.pushSeconds());
            out.printf("%-34s %,12.0f  (%.2f s)%n", "pull into a fresh replica, docs/s", r.docsPerSec(), r.pullSeconds());
            out.printf("%-34s %,12.0f%n", "heap peak during pull, MB", r.heapPeakMb());
            out.printf("%-34s %12.2f%n", "propagation A->B p50, ms", r.p50Ms());
            out.printf("%-34s %12.2f%n", "propagation A->B p99, ms", r.p99Ms());
            out.printf("%-34s %12s%n", "store", r.store());
            out.printf("%-34s %12s%n", "java / cores", System.getProperty("java.version") + " / "
                    + Runtime.getRuntime().availableProcessors());
        }
        out.flush();
        return 0;
    }
}
