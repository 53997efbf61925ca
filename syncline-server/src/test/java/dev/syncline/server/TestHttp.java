package dev.syncline.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A tiny JSON-over-HTTP client for tests, on the JDK HttpClient. Thread-safe. */
public final class TestHttp {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** A response: status, parsed JSON body (or null), raw body, headers. */
    public record Response(int status, JsonNode json, String body, Map<String, java.util.List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    public TestHttp(String base) {
        this.base = base;
    }

    /** @return the server's base URL */
    public String base() {
        return base;
    }

    public Response get(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    public Response post(String path, String token, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    public Response push(String token, String json) {
        return post("/v1/push", token, json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode json = null;
            try {
                json = r.body().isEmpty() ? null : Json.parse(r.body());
            } catch (RuntimeException notJson) {
                json = null;
            }
            return new Response(r.statusCode(), json, r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return one push op as JSON */
    public static String op(String opId, String scope, String type, String id, String kind, long base, String data) {
        return "{\"opId\":\"" + opId + "\",\"scope\":\"" + scope + "\",\"type\":\"" + type + "\",\"id\":\"" + id
                + "\",\"kind\":\"" + kind + "\",\"baseVersion\":" + base + (data == null ? "" : ",\"data\":" + data)
                + "}";
    }

    /** @return an upsert op with a fresh opId */
    public static String upsert(String scope, String id, long base, String data) {
        return op(UUID.randomUUID().toString(), scope, "note", id, "upsert", base, data);
    }

    /** @return a push body holding {@code ops} */
    public static String body(String... ops) {
        return "{\"clientId\":\"test-client\",\"ops\":[" + String.join(",", ops) + "]}";
    }
}
