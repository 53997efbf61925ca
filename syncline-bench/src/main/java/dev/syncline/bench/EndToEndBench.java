package dev.syncline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The end-to-end harness behind {@code syncline bench}: a server on loopback and real client
 * replicas. Measures a replica pushing {@code docs} queued operations, a fresh replica pulling
 * them all (with the JVM's peak heap), and the delay from a write on replica A until replica B
 * has it through the live stream's poke (1,000 writes, p50 and p99).
 */
public final class EndToEndBench {
    private static final String SCOPE = "bench";
    /** The propagation replicas' own scope, so they do not first pull the bulk documents. */
    private static final String LIVE_SCOPE = "bench-live";

    private EndToEndBench() {
    }

    /**
     * Figures of one run.
     *
     * @param docs documents pushed and pulled
     * @param pushSeconds time to push them all
     * @param pullSeconds time for a fresh replica to pull them all
     * @param heapPeakMb peak heap in use during the pull (the whole JVM, server included)
     * @param p50Ms median write-to-visible delay
     * @param p99Ms 99th percentile of it
     * @param store embedded or postgres
     */
    public record Result(int docs, double pushSeconds, double pullSeconds, double heapPeakMb, double p50Ms, double p99Ms,
            String store) {
        /** @return operations pushed per second */
        public double opsPerSec() {
            return docs / pushSeconds;
        }

        /** @return documents pulled per second */
        public double docsPerSec() {
            return docs / pullSeconds;
        }

        /** @return the result as the JSON of {@code syncline bench --json} */
        public ObjectNode json() {
            ObjectNode n = Json.mapper().createObjectNode();
            n.put("docs", docs);
            n.putObject("push").put("seconds", round(pushSeconds)).put("opsPerSec", Math.round(opsPerSec()));
            n.putObject("pull").put("seconds", round(pullSeconds)).put("docsPerSec", Math.round(docsPerSec()))
                    .put("heapPeakMb", Math.round(heapPeakMb));
            n.putObject("propagation").put("p50Ms", round(p50Ms)).put("p99Ms", round(p99Ms));
            n.put("store", store);
            n.put("java", System.getProperty("java.version"));
            n.put("cores", Runtime.getRuntime().availableProcessors());
            return n;
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }

    /**
     * Runs the harness once.
     *
     * @param docs documents to push and pull (at least 1)
     * @param batch operations per push (1-500)
     * @param page changes per pull page (1-1000)
     * @param postgres a JDBC URL to run the server on PostgreSQL, or null for the embedded store
     * @param progress where to print progress (stderr)
     */
    public static Result run(int docs, int batch, int page, String postgres, PrintStream progress) throws IOException {
        Path dir = Files.createTempDirectory("syncline-bench");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = Tokens.mint(secret, "bench", List.of(SCOPE), Duration.ofHours(2), Clock.systemUTC());
        SyncServer.Builder sb = SyncServer.builder().port(0).jwtSecret(secret);
        if (postgres != null) {
            sb.postgres(postgres);
        } else {
            sb.dataDir(dir.resolve("server"));
        }
        try (SyncServer server = sb.start()) {
            Path a = dir.resolve("a.db");
            progress.printf("filling replica A with %,d documents of ~200 bytes...%n", docs);
            try (SyncClient fill = SyncClient.builder().database(a).durability(Durability.NORMAL).build()) {
                for (int i = 0; i < docs; i++) {
                    fill.documents().put(SCOPE, "doc", "d" + i, doc(i, 0));
                }
            }
            double pushSeconds;
            try (SyncClient pusher = client(a, server, token, batch, page, false)) {
                progress.printf("pushing %,d queued operations...%n", docs);
                long t0 = System.nanoTime();
                SyncReport r = pusher.push(Duration.ofHours(1));
                pushSeconds = (System.nanoTime() - t0) / 1e9;
                check(r, "push");
                progress.printf("  push: %.2f s%n", pushSeconds);
            }
            progress.printf("pulling %,d documents into a fresh replica B...%n", docs);
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            System.gc();
            AtomicLong peak = new AtomicLong(mem.getHeapMemoryUsage().getUsed());
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            double pullSeconds;
            try (SyncClient puller = client(dir.resolve("b.db"), server, token, batch, page, false)) {
                sampler.start();
                long t0 = System.nanoTime();
                SyncReport r = puller.sync(Duration.ofHours(1));
                pullSeconds = (System.nanoTime() - t0) / 1e9;
                sampler.interrupt();
                check(r, "pull");
                if (r.pulled() != docs) {
                    throw new IllegalStateException("replica B pulled " + r.pulled() + " documents, expected " + docs);
                }
                progress.printf("  pull: %.2f s, heap peak %d MB%n", pullSeconds, peak.get() >> 20);
            }
            progress.println("propagation A -> B through the live stream, 1,000 writes...");
            String liveToken = Tokens.mint(secret, "bench", List.of(LIVE_SCOPE), Duration.ofHours(2), Clock.systemUTC());
            double[] ms = propagation(dir, server, liveToken, 1000);
            Arrays.sort(ms);
            double p50 = ms[ms.length / 2];
            double p99 = ms[(int) Math.ceil(ms.length * 0.99) - 1];
            progress.printf("  p50 %.2f ms, p99 %.2f ms%n", p50, p99);
            return new Result(docs, pushSeconds, pullSeconds, peak.get() / (1024.0 * 1024.0), p50, p99,
                    postgres != null ? "postgres" : "embedded");
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void check(SyncReport r, String what) {
        if (r.outcome() != SyncReport.Outcome.CAUGHT_UP) {
            throw new IllegalStateException(what + " did not catch up: " + r.outcome() + " " + r.error());
        }
    }

    private static SyncClient client(Path db, SyncServer server, String token, int batch, int page, boolean background) {
        return SyncClient.builder().database(db).serverUrl(server.url()).token(token).batchSizes(batch, page)
                .backgroundSync(background)
                .backgroundSyncSettings(new BackgroundSyncCoordinator.Settings(Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))
                .build();
    }

    private static ObjectNode doc(int i, int rev) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("title", "Document number " + i);
        n.put("rev", rev);
        n.put("body", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore"
                + " et dolore magna aliqua.");
        n.put("owner", "user-" + (i % 97));
        return n;
    }

    private static double[] propagation(Path dir, SyncServer server, String token, int writes) {
        double[] ms = new double[writes];
        try (SyncClient a = client(dir.resolve("pa.db"), server, token, 500, 1000, true);
                SyncClient b = client(dir.resolve("pb.db"), server, token, 500, 1000, true)) {
            waitFor(() -> a.network().isConnected() && b.network().isConnected(), "replicas to connect");
            sleep(300); // let both streams connect
            for (int i = 0; i < writes; i++) {
                int rev = i + 1;
                CompletableFuture<Void> seen = new CompletableFuture<>();
                ListenerToken watching = b.documents().watch(LIVE_SCOPE, "live", "x", d -> {
                    if (d.isPresent() && d.get().value() != null && d.get().value().path("rev").asInt() >= rev) {
                        seen.complete(null);
                    }
                });
                long t0 = System.nanoTime();
                a.documents().put(LIVE_SCOPE, "live", "x", doc(0, rev));
                try {
                    seen.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("write " + rev + " did not reach replica B in 30 s", e);
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
                watching.close();
            }
        }
        return ms;
    }

    private static void waitFor(java.util.function.BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
