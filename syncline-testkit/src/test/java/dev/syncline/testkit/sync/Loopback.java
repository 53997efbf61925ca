package dev.syncline.testkit.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.Document;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** A real sync server on a loopback port and helpers to open real client replicas against it. */
final class Loopback implements AutoCloseable {
    static final byte[] SECRET = "loopback-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    final Path dir;
    SyncServer server;

    Loopback(Path dir) {
        this(dir, b -> { });
    }

    /** @param serverConfig further server settings (clock, heartbeat, ...) */
    Loopback(Path dir, Consumer<SyncServer.Builder> serverConfig) {
        this.dir = dir;
        SyncServer.Builder b = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET);
        serverConfig.accept(b);
        this.server = b.start();
    }

    /** Restarts the server on the same data (a new port). */
    void restartServer() {
        server.close();
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET).start();
    }

    static String token(String user, String... scopes) {
        return Tokens.mint(SECRET, user, List.of(scopes), Duration.ofHours(1), Clock.systemUTC());
    }

    SyncClient client(String name, Consumer<SyncClientBuilder> config) {
        return client(name, server.url(), config);
    }

    SyncClient client(String name, String url, Consumer<SyncClientBuilder> config) {
        SyncClientBuilder b = SyncClient.builder().database(dir.resolve(name + ".db")).serverUrl(url);
        config.accept(b);
        return b.build();
    }

    static ObjectNode json(String text) {
        return (ObjectNode) Json.parse(text);
    }

    /** @return live documents of a replica as "scope/type/id" to data */
    static Map<String, ObjectNode> live(SyncClient c, String scope, String... types) {
        Map<String, ObjectNode> out = new TreeMap<>();
        for (String t : types) {
            for (Document<ObjectNode> d : c.documents().list(scope, t)) {
                if (!d.deleted()) {
                    out.put(scope + "/" + t + "/" + d.id(), d.value());
                }
            }
        }
        return out;
    }

    /** @return live documents of one scope of a replica as "type/id" to data */
    static Map<String, JsonNode> liveInScope(SyncClient c, String scope, String... types) {
        Map<String, JsonNode> out = new TreeMap<>();
        live(c, scope, types).forEach((key, data) -> out.put(key.substring(scope.length() + 1), data));
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
