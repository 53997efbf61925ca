package dev.syncline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/** Talks protocol v1 to one server over real HTTP with the JDK client, as a black-box test would. */
final class ApiClient {
    /** A response: status and parsed JSON body (null when the body is not JSON). */
    record Reply(int status, JsonNode body, String retryAfter) {
    }

    /** One operation to push. */
    record Op(String opId, String scope, String type, String id, String kind, long baseVersion, String dataJson) {
        static Op upsert(String scope, String id, long base, String dataJson) {
            return new Op(UUID.randomUUID().toString(), scope, "note", id, "upsert", base, dataJson);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;
    private final String clientId = UUID.randomUUID().toString();

    ApiClient(String baseUrl, String token) {
        this.base = baseUrl;
        this.token = token;
    }

    Reply push(List<Op> ops) throws IOException, InterruptedException {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("clientId", clientId);
        ArrayNode arr = root.putArray("ops");
        for (Op op : ops) {
            ObjectNode n = arr.addObject();
            n.put("opId", op.opId()).put("scope", op.scope()).put("type", op.type()).put("id", op.id())
                    .put("kind", op.kind()).put("baseVersion", op.baseVersion());
            if (op.dataJson() != null) {
                n.set("data", Json.parse(op.dataJson().getBytes(StandardCharsets.UTF_8)));
            }
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/push"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(root))).build();
        return send(req);
    }

    Reply pull(String cursor, int limit) throws IOException, InterruptedException {
        String q = "?limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/pull" + q))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).GET().build();
        return send(req);
    }

    Reply health() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + "/v1/health")).timeout(Duration.ofSeconds(30)).GET().build());
    }

    String metrics() throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(30)).GET()
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Reply send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = null;
        try {
            body = Json.parse(r.body());
        } catch (RuntimeException e) {
            // not JSON; leave null
        }
        return new Reply(r.statusCode(), body, r.headers().firstValue("Retry-After").orElse(null));
    }

    /** An open {@code /v1/stream}: every line the server sends lands in {@link #lines}. */
    static final class EventStream implements AutoCloseable {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final CompletableFuture<HttpResponse<Stream<String>>> response;

        private EventStream(CompletableFuture<HttpResponse<Stream<String>>> response) {
            this.response = response;
        }

        @Override
        public void close() {
            response.thenAccept(r -> r.body().close());
            response.cancel(true);
        }
    }

    EventStream stream() {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/stream"))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream").GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> f = HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        EventStream es = new EventStream(f);
        f.thenAccept(r -> {
            Thread t = new Thread(() -> {
                try {
                    r.body().forEach(es.lines::add);
                } catch (RuntimeException e) {
                    es.lines.add("!closed " + e);
                }
            }, "test-sse-reader");
            t.setDaemon(true);
            t.start();
        });
        return es;
    }
}
