package dev.syncline.client.internal.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.Poke;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Protocol v1 over the JDK {@link HttpClient}: push, pull, health and the SSE stream. Every failure
 * becomes a {@link TransportException} whose kind follows the protocol's error table.
 *
 * <p>A 401 marks the token that request carried as refused (not the token the provider returns
 * by the time the answer comes: the app may have refreshed it meanwhile), and
 * {@link #tokenRefused()} stays true until the provider returns another token or
 * {@link #forgetRefusedToken()} is called.
 *
 * <p>Thread-safe: the HTTP client is shared; each call is independent.
 */
public final class HttpTransport {
    private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);

    private final URI base;
    private final Supplier<String> tokens;
    private final Duration requestTimeout;
    private final HttpClient http;
    /** The token of the last 401 (its {@code token} null when the request carried none), or null. */
    private volatile Refused refused;

    private record Refused(String token) {
    }

    /**
     * @param base the server's base URL
     * @param tokens supplies the bearer token for each request (may return null: then 401 follows)
     * @param connectTimeout TCP connect timeout
     * @param requestTimeout time allowed for a whole push or pull answer
     */
    public HttpTransport(URI base, Supplier<String> tokens, Duration connectTimeout, Duration requestTimeout) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** @return the token the next request will carry (may be null) */
    public String currentToken() {
        return tokens.get();
    }

    /** @return true while the token the next request would carry is one the server refused (401) */
    public boolean tokenRefused() {
        Refused r = refused;
        return r != null && Objects.equals(r.token(), tokens.get());
    }

    /** Forgets the refused token: the app says its provider has a new one. */
    public void forgetRefusedToken() {
        refused = null;
    }

    /** True when no connection could be made, so no byte of the request can have left. */
    private static boolean connectFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.http.HttpConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends one push, already written as a request body, without waiting for the answer.
     *
     * @param body a push request as JSON
     * @return the answer; completes exceptionally with a {@link TransportException}
     */
    public java.util.concurrent.CompletableFuture<PushResponse> pushAsync(byte[] body) {
        String token = tokens.get();
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve("v1/push")), token)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).handle((resp, err) -> {
            if (err != null) {
                Throwable e = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                if (connectFailed(e)) {
                    throw new TransportException(TransportException.Kind.TRANSIENT, 0, "connect",
                            "POST /v1/push: no connection to the server: " + e, null, e);
                }
                if (e instanceof java.net.http.HttpTimeoutException) {
                    throw new TransportException(TransportException.Kind.TRANSIENT, 0, "timeout",
                            "POST /v1/push timed out", null, e);
                }
                throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "POST /v1/push: " + e, null, e);
            }
            if (resp.statusCode() != 200) {
                throw failure(resp.statusCode(), resp.body(), resp.headers().firstValue("Retry-After").orElse(null), token);
            }
            return Json.read(resp.body(), PushResponse.class);
        });
    }

    /**
     * Pulls one page.
     *
     * @param cursor the stored cursor, or null from the beginning
     * @param limit 1 to 1000
     * @throws TransportException when there is no 200 answer
     */
    public PullPage pull(String cursor, int limit) {
        String q = "v1/pull?limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        String token = tokens.get();
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve(q)), token).timeout(requestTimeout).GET().build();
        return Json.read(send(req, token), PullPage.class);
    }

    /**
     * Probes {@code /v1/health} (no token).
     *
     * @param timeout time allowed for the answer
     * @throws TransportException when the server is not healthy or not reachable
     */
    public void health(Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("v1/health")).timeout(timeout).GET().build();
        send(req, null);
    }

    /**
     * Reads {@code /v1/stream} until it ends or {@code onOpen}'s stream is closed; blocks. The
     * server must answer (with the response head) within the request timeout.
     *
     * @param onOpen receives the open body so another thread can close it to stop the stream
     * @param onPoke called for each poke, on this thread
     * @param onLine called for each line received (heartbeat comments included), on this thread,
     *     so the caller can tell a silent stream from a live one
     * @throws TransportException when the stream cannot be opened or breaks
     */
    public void stream(Consumer<InputStream> onOpen, Consumer<Poke> onPoke, Runnable onLine) {
        String token = tokens.get();
        // The timeout bounds the wait for the response head only (the JDK client stops its timer
        // once the head arrives, so the stream itself lives on): a stream opened into a link that
        // swallows packets must fail, not wait forever and leave the replica deaf to pokes.
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve("v1/stream")), token).timeout(requestTimeout)
                .GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "stream: " + e, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "interrupted", "stream interrupted", null, e);
        }
        if (resp.statusCode() != 200) {
            byte[] body;
            try (InputStream in = resp.body()) {
                body = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                body = new byte[0];
            }
            throw failure(resp.statusCode(), body, resp.headers().firstValue("Retry-After").orElse(null), token);
        }
        try (InputStream in = resp.body();
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            onOpen.accept(in);
            String event = null;
            String line;
            while ((line = r.readLine()) != null) {
                onLine.run();
                if (line.isEmpty()) {
                    event = null;
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && "poke".equals(event)) {
                    try {
                        onPoke.accept(Json.read(line.substring(5).trim(), Poke.class));
                    } catch (RuntimeException e) {
                        log.warn("stream: unreadable poke '{}': {}", line, e.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "stream broke: " + e, null, e);
        }
    }

    private static HttpRequest.Builder authed(HttpRequest.Builder b, String token) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** Sends {@code req}, which carries {@code token} (null: none). */
    private byte[] send(HttpRequest req, String token) {
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "timeout",
                    req.method() + " " + req.uri().getPath() + " timed out", null, e);
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network",
                    req.method() + " " + req.uri().getPath() + ": " + e, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "interrupted", "request interrupted", null, e);
        }
        if (resp.statusCode() == 200) {
            return resp.body();
        }
        throw failure(resp.statusCode(), resp.body(), resp.headers().firstValue("Retry-After").orElse(null), token);
    }

    /** As {@link #failure(int, byte[], String)}; a 401 also marks {@code token}, the one the request carried, refused. */
    private TransportException failure(int status, byte[] body, String retryAfterHeader, String token) {
        if (status == 401) {
            refused = new Refused(token);
        }
        return failure(status, body, retryAfterHeader);
    }

    static TransportException failure(int status, byte[] body, String retryAfterHeader) {
        String code = "http_" + status;
        String message = "server answered " + status;
        try {
            JsonNode n = Json.parse(body);
            JsonNode err = n.get("error");
            if (err != null && err.isObject()) {
                code = err.path("code").asText(code);
                message = status + " " + code + ": " + err.path("message").asText("");
            }
        } catch (RuntimeException ignored) {
            // not our JSON (a proxy's page): keep the status
        }
        Duration retryAfter = parseRetryAfter(retryAfterHeader);
        TransportException.Kind kind;
        if (status == 401) {
            kind = TransportException.Kind.UNAUTHORIZED;
        } else if (status == 429 || status == 503) {
            kind = TransportException.Kind.SLOW_DOWN;
            if (retryAfter == null) {
                retryAfter = Duration.ofSeconds(1);
            }
        } else if (status == 400 || status == 413 || status == 415) {
            kind = TransportException.Kind.BAD_REQUEST;
        } else {
            kind = TransportException.Kind.TRANSIENT;
        }
        return new TransportException(kind, status, code, message, retryAfter, null);
    }

    static Duration parseRetryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long s = Long.parseLong(header.trim());
            return Duration.ofSeconds(Math.max(0, Math.min(s, 3600)));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: fall back to our own backoff
        }
    }
}
