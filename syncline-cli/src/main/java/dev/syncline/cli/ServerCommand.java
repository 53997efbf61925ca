package dev.syncline.cli;

import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code syncline server}: runs the sync server until SIGTERM or SIGINT. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the sync server. The JWT secret comes from SYNCLINE_JWT_SECRET (or --dev).")
final class ServerCommand implements Callable<Integer> {
    /**
     * The scopes of the token {@code --dev} prints: {@code dev}, and the scopes the README, the
     * guide and the operations doc use in their examples ({@code team-1}, {@code alice-private}), so
     * a first run works as written (ServerAndTokenCommandTest checks the docs' client examples
     * against this list).
     */
    static final List<String> DEV_SCOPES = List.of("dev", "team-1", "alice-private");

    @Option(names = "--port", defaultValue = "8080", description = "Port (0 picks a free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory of the embedded store (not with --postgres). Default: syncline-data.")
    Path data;

    @Option(names = "--postgres", paramLabel = "JDBC_URL",
            description = "Use PostgreSQL at this JDBC URL instead of the embedded store, e.g."
                    + " jdbc:postgresql://127.0.0.1:5432/syncline?user=syncline&password=...")
    String postgres;

    @Option(names = "--pool-size", paramLabel = "N",
            description = "Most PostgreSQL connections in the pool (with --postgres). Default: 10.")
    Integer poolSize;

    @Option(names = "--max-ops-per-push", paramLabel = "N", defaultValue = "500",
            description = "Most operations in one push (413 above). Default: ${DEFAULT-VALUE}.")
    int maxOpsPerPush;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "4194304",
            description = "Largest push body (413 above). Default: ${DEFAULT-VALUE} (4 MiB).")
    long maxRequestBytes;

    @Option(names = "--max-document-bytes", paramLabel = "BYTES", defaultValue = "262144",
            description = "Largest document data; larger ones are rejected as too_large. Default: ${DEFAULT-VALUE} (256 KiB).")
    int maxDocumentBytes;

    @Option(names = "--dev", description = "Make up a JWT secret and print a ready token (for trying things out).")
    boolean dev;

    @Override
    public Integer call() throws InterruptedException {
        if (postgres != null && data != null) {
            throw new IllegalStateException("--data and --postgres are mutually exclusive: choose one store");
        }
        if (poolSize != null && postgres == null) {
            throw new IllegalStateException("--pool-size applies to --postgres only");
        }
        byte[] secret;
        String env = System.getenv("SYNCLINE_JWT_SECRET");
        if (env != null && !env.isEmpty()) {
            secret = Tokens.secretFromText(env);
        } else if (dev) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw).getBytes(StandardCharsets.UTF_8);
        } else {
            throw new IllegalStateException("SYNCLINE_JWT_SECRET is not set (at least 32 bytes); or run with --dev");
        }
        SyncServer.Builder builder = SyncServer.builder().host(host).port(port).jwtSecret(secret)
                .maxOpsPerPush(maxOpsPerPush).maxRequestBytes(maxRequestBytes).maxDocumentBytes(maxDocumentBytes);
        if (postgres != null) {
            builder.postgres(postgres);
            if (poolSize != null) {
                builder.postgresPoolSize(poolSize);
            }
        } else {
            builder.dataDir(data != null ? data : Path.of("./syncline-data"));
        }
        SyncServer server = builder.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            server.close();
            stopped.countDown();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "syncline-shutdown"));
        System.out.println("listening on port " + server.port());
        if (dev) {
            String token = Tokens.mint(secret, "dev", DEV_SCOPES, Duration.ofDays(1), Clock.systemUTC());
            System.out.println("dev token (user dev, scopes " + String.join(",", DEV_SCOPES) + ", 24h): " + token);
            if (env == null || env.isEmpty()) {
                System.err.println("the secret is made up for this run; for tokens of other scopes, set"
                        + " SYNCLINE_JWT_SECRET, restart, and run 'syncline token --user U --scopes a,b'");
            }
        }
        System.out.flush();
        // SIGTERM and SIGINT: drain, close, exit 0 (a plain shutdown hook would exit 143).
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                new Thread(() -> {
                    stop.run();
                    Runtime.getRuntime().halt(0);
                }, "syncline-signal").start();
            });
        }
        stopped.await();
        return 0;
    }
}
