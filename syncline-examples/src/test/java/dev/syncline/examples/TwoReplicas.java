package dev.syncline.examples;

import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** A real sync server on a loopback port and two replicas of one app against it, for the examples. */
final class TwoReplicas implements AutoCloseable {
    static final String SCOPE = "team-1";
    private static final byte[] SECRET = "examples-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    final SyncServer server;
    final SyncClient a;
    final SyncClient b;

    /** @param app the app's own client settings (entity types, mapper), applied to both replicas */
    TwoReplicas(Path dir, UnaryOperator<SyncClientBuilder> app) {
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET).start();
        a = replica(dir, "alice", app);
        b = replica(dir, "bob", app);
    }

    private SyncClient replica(Path dir, String user, UnaryOperator<SyncClientBuilder> app) {
        return app.apply(SyncClient.builder().database(dir.resolve(user + ".db")).serverUrl(server.url())
                .token(Tokens.mint(SECRET, user, List.of(SCOPE), Duration.ofHours(1), Clock.systemUTC()))).build();
    }

    @Override
    public void close() {
        a.close();
        b.close();
        server.close();
    }
}
