package dev.syncline.client.transport.jdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.client.spi.transport.TransportSettings;
import dev.syncline.core.InvalidInputException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's {@link SyncTransport}: protocol v1 over the JDK {@link HttpClient} (HTTP/1.1). Every
 * failure becomes a {@link TransportException} whose kind follows the protocol's error table.
 *
 * <p>Resources. Made by {@link #factory()}, it creates its own {@code HttpClient} with its own
 * executor (daemon threads named {@code syncline-http-N}); {@link #close()} shuts that executor
 * down and closes the client (on Java 21 and later through {@code HttpClient.close()}; on Java 17,
 * which has no such method, the client's selector thread ends by itself a few seconds after the
 * client becomes unreachable, which {@code close()} ensures by dropping its reference). Made by
 * {@link #factory(HttpClient)} with the app's own client, it closes nothing of that client: the
 * app owns it.
 *
 * <p>Thread-safe: each call is independent.
 */
public final class JdkHttpTransport implements SyncTransport {
    private static final Logger log = LoggerFactory.getLogger(JdkHttpTransport.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final URI base;
    private final Duration requestTimeout;
    /** The executor this transport made for its client, or null when the app's client is used. */
    private final ExecutorService ownedExecutor;
    /** Null once closed: on Java 17 the selector thread ends only when nothing references the client. */
    private volatile HttpClient http;
    /**
     * Answers still awaited. Closing fails them: once the executor is shut down, the JDK client
     * would never complete them, and a sync waiting for one would wait forever.
     */
    private final java.util.Set<CompletableFuture<?>> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private JdkHttpTransport(URI base, Duration requestTimeout, HttpClient http, ExecutorService ownedExecutor) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.requestTimeout = requestTimeout;
        this.http = http;
        this.ownedExecutor = ownedExecutor;
    }

    /**
     * The default: each client gets a transport with its own {@code HttpClient} (the builder's
     * connect timeout, HTTP/1.1) and executor, both closed when the client closes.
     *
     * @return a factory; thread-safe
     */
    public static SyncTransportFactory factory() {
        return settings -> {
            ExecutorService executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "syncline-http-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            HttpClient client = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
                    .version(HttpClient.Version.HTTP_1_1).executor(executor).build();
            return new JdkHttpTransport(checked(settings), settings.requestTimeout(), client, executor);
        };
    }

    /**
     * Transports over the app's own {@code HttpClient} (its proxy, TLS and connect timeout
     * apply; the builder's request timeout bounds each request). Closing a client never closes
     * {@code client}: the app does when it no longer needs it.
     *
     * @param client the app's client; HTTP/1.1 or HTTP/2 (the stream is plain server-sent events)
     * @return a factory; thread-safe
     * @throws InvalidInputException when {@code client} is null
     */
    public static SyncTransportFactory factory(HttpClient client) {
        if (client == null) {
            throw new InvalidInputException("invalid_setting", "httpClient is null");
        }
        return settings -> new JdkHttpTransport(checked(settings), settings.requestTimeout(), client, null);
    }

    private static URI checked(TransportSettings settings) {
        if (settings == null) {
            throw new InvalidInputException("invalid_setting", "transport settings are null");
        }
        String scheme = settings.serverUrl().getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new InvalidInputException("invalid_setting", "serverUrl must be http or https: " + settings.serverUrl());
        }
        return settings.serverUrl();
    }

    private HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            throw closedError();
        }
        return h;
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
     * {@inheritDoc}
     *
     * @throws InvalidInputException when {@code body} is null (thrown, not completed)
     */
    @Override
    public CompletableFuture<PushResponse> push(String token, byte[] body) {
        if (body == null) {
            throw new InvalidInputException("invalid_input", "push body is null");
        }
        HttpClient h;
        try {
            h = http();
        } catch (TransportException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve("v1/push")), token)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return track(h.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())).handle((resp, err) -> {
            if (err != null) {
                Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
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
                throw failure(resp.statusCode(), resp.body(), resp.headers().firstValue("Retry-After").orElse(null));
            }
            return Json.read(resp.body(), PushResponse.class);
        });
    }

    /**
     * {@inheritDoc}
     *
     * @throws InvalidInputException when {@code limit} is not 1 to 1000
     */
    @Override
    public PullPage pull(String token, String cursor, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("invalid_input", "pull limit must be 1 to 1000: " + limit);
        }
        String q = "v1/pull?limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve(q)), token).timeout(requestTimeout).GET().build();
        return Json.read(send(req), PullPage.class);
    }

    /**
     * {@inheritDoc}
     *
     * @throws InvalidInputException when {@code timeout} is null or not positive
     */
    @Override
    public void probe(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("invalid_input", "probe timeout must be positive: " + timeout);
        }
        HttpRequest req = HttpRequest.newBuilder(base.resolve("v1/health")).timeout(timeout).GET().build();
        send(req);
    }

    /**
     * {@inheritDoc}
     *
     * @throws InvalidInputException when {@code listener} is null
     */
    @Override
    public void stream(String token, StreamListener listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_input", "stream listener is null");
        }
        // The timeout bounds the wait for the response head only (the JDK client stops its timer
        // once the head arrives, so the stream itself lives on): a stream opened into a link that
        // swallows packets must fail, not wait forever and leave the replica deaf to pokes.
        HttpRequest req = authed(HttpRequest.newBuilder(base.resolve("v1/stream")), token).timeout(requestTimeout)
                .GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = await(http().sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network",
                    "stream: " + e, null, e);
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
            throw failure(resp.statusCode(), body, resp.headers().firstValue("Retry-After").orElse(null));
        }
        try (InputStream in = resp.body();
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            listener.opened(() -> {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing is the point
                }
            });
            String event = null;
            String line;
            while ((line = r.readLine()) != null) {
                listener.line();
                if (line.isEmpty()) {
                    event = null;
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:") && "poke".equals(event)) {
                    Poke poke;
                    try {
                        poke = Json.read(line.substring(5).trim(), Poke.class);
                    } catch (RuntimeException e) {
                        log.warn("stream: unreadable poke '{}': {}", line, e.toString());
                        continue;
                    }
                    listener.poke(poke);
                }
            }
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "stream broke: " + e, null, e);
        } catch (TransportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "listener", "stream listener failed: " + e,
                    null, e);
        }
    }

    /**
     * Closes what this transport made: its executor and its {@code HttpClient}; an app's own
     * client stays open. Idempotent.
     */
    @Override
    public void close() {
        HttpClient h = http;
        http = null;
        if (h == null) {
            return;
        }
        for (CompletableFuture<?> f : inFlight) {
            f.completeExceptionally(closedError());
        }
        if (ownedExecutor == null) {
            return;
        }
        ownedExecutor.shutdownNow();
        // HttpClient is AutoCloseable from Java 21: close it there; on 17 dropping the reference
        // (above) lets its selector thread see the client is gone and stop.
        if (h instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing the HTTP client: {}", e.toString());
            }
        }
    }

    /** @return a future of {@code answer} that {@link #close()} fails if it is still open then */
    private <T> CompletableFuture<T> track(CompletableFuture<T> answer) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        inFlight.add(mine);
        answer.whenComplete((v, e) -> {
            if (e != null) {
                mine.completeExceptionally(e);
            } else {
                mine.complete(v);
            }
        });
        mine.whenComplete((v, e) -> inFlight.remove(mine));
        if (http == null) {
            mine.completeExceptionally(closedError());
        }
        return mine;
    }

    /** Waits for {@code answer} as {@link HttpClient#send} would, failing when the transport closes. */
    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> answer) throws IOException, InterruptedException {
        try {
            return track(answer).get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }

    private static TransportException closedError() {
        return new TransportException(TransportException.Kind.TRANSIENT, 0, "closed", "the transport is closed", null, null);
    }

    private static HttpRequest.Builder authed(HttpRequest.Builder b, String token) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private byte[] send(HttpRequest req) {
        HttpResponse<byte[]> resp;
        try {
            resp = await(http().sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()));
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
        throw failure(resp.statusCode(), resp.body(), resp.headers().firstValue("Retry-After").orElse(null));
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
