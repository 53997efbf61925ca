package dev.syncline.bench;

import dev.syncline.client.ListenerToken;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Time to recover from an outage: replica A reaches the server through the testkit's
 * {@link FaultyProxy}, replica B directly; both run background sync with the default settings.
 * Each round cuts A's link ({@link FaultyProxy.Mode#REFUSE}: open connections are cut, new ones
 * reset), writes a document on A while the link is down, keeps it down for {@code --outage}
 * seconds, heals it, and times from the heal until B's watcher sees the write. Nothing in the
 * app calls sync: A has to find out by itself that the server is back. Prints each round and the
 * p50 and max over {@code --rounds}.
 *
 * <pre>java -cp syncline-cli/target/syncline.jar:syncline-testkit/target/syncline-testkit-0.1.0-SNAPSHOT.jar \
 *     dev.syncline.bench.RecoveryBench --rounds 7 --outage 7 [--probe-max-ms 2000]</pre>
 */
public final class RecoveryBench {
    private static final String SCOPE = "bench-recovery";

    private RecoveryBench() {
    }

    /**
     * Runs the rounds and prints them.
     *
     * @param args {@code --rounds N} (default 7), {@code --outage SECONDS} (default 7),
     *     {@code --probe-max-ms MS} (the client's probe backoff cap; default: the client's default)
     * @throws Exception when a round does not recover within 60 s
     */
    public static void main(String[] args) throws Exception {
        int rounds = intArg(args, "--rounds", 7);
        int outage = intArg(args, "--outage", 7);
        int probeMax = intArg(args, "--probe-max-ms", -1);
        double[] ms = run(rounds, Duration.ofSeconds(outage), probeMax < 0 ? null : Duration.ofMillis(probeMax));
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf("time to recover after a %d s outage, %d rounds: p50 %.0f ms, max %.0f ms (java %s, %d cores)%n",
                outage, rounds, sorted[sorted.length / 2], sorted[sorted.length - 1], System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param probeMax the replicas' probe backoff cap, or null for the client's default
     * @return milliseconds from each heal until the write made during the outage is on B
     */
    static double[] run(int rounds, Duration outage, Duration probeMax) throws Exception {
        Path dir = Files.createTempDirectory("syncline-recovery");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = Tokens.mint(secret, "bench", List.of(SCOPE), Duration.ofHours(2), Clock.systemUTC());
        double[] ms = new double[rounds];
        try (SyncServer server = SyncServer.builder().port(0).jwtSecret(secret).dataDir(dir.resolve("server")).start();
                FaultyProxy link = new FaultyProxy(server.port());
                SyncClient a = client(dir.resolve("a.db"), link.url(), token, probeMax);
                SyncClient b = client(dir.resolve("b.db"), server.url(), token, probeMax)) {
            waitFor(() -> a.network().isConnected() && b.network().isConnected(), "replicas to connect");
            for (int r = 0; r < rounds; r++) {
                String id = "w" + r;
                CompletableFuture<Void> seen = seenOn(b, id);
                link.mode(FaultyProxy.Mode.REFUSE);
                a.documents().put(SCOPE, "note", id, Json.mapper().createObjectNode().put("round", r));
                waitFor(() -> !a.network().isConnected(), "replica A to notice the outage");
                // A real outage of a real link: the probe's backoff grows in real time while it lasts.
                Thread.sleep(outage.toMillis());
                long t0 = System.nanoTime();
                link.heal();
                seen.get(60, TimeUnit.SECONDS);
                ms[r] = (System.nanoTime() - t0) / 1e6;
                System.out.printf("round %d: %.0f ms%n", r + 1, ms[r]);
            }
        }
        return ms;
    }

    private static SyncClient client(Path db, String url, String token, Duration probeMax) {
        SyncClientBuilder b = SyncClient.builder().database(db).serverUrl(url).token(token).backgroundSync(true);
        if (probeMax != null) {
            b.probeBackoffMax(probeMax);
        }
        return b.build();
    }

    /** Completes when {@code replica}'s watcher sees document {@code id}. */
    private static CompletableFuture<Void> seenOn(SyncClient replica, String id) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        ListenerToken[] token = new ListenerToken[1];
        token[0] = replica.documents().watch(SCOPE, "note", id, d -> {
            if (d.isPresent()) {
                seen.complete(null);
            }
        });
        seen.whenComplete((v, e) -> token[0].close());
        return seen;
    }

    private static void waitFor(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(5); // a benchmark polling real state, not a test
        }
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }
}
