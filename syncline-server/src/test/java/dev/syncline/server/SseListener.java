package dev.syncline.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads a {@code /v1/stream} in the background and queues its lines. */
public final class SseListener implements AutoCloseable {
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> stream;

    public SseListener(String baseUrl, String token) {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/stream"))
                .header("Authorization", "Bearer " + token).GET().build();
        response = client.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        // Read on a thread of our own: thenAccept would run on the caller if the response is already here.
        response.thenAcceptAsync(r -> {
            stream = r.body();
            try {
                r.body().forEach(lines::add);
            } catch (RuntimeException closed) {
                // stream closed
            }
        }, java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sse-listener");
            t.setDaemon(true);
            return t;
        }));
    }

    /** @return the HTTP status, waiting for the response headers */
    public int status() throws Exception {
        return response.get(10, TimeUnit.SECONDS).statusCode();
    }

    /** Waits for a line starting with {@code prefix}; null when none came within {@code timeout}. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    @Override
    public void close() {
        Stream<String> s = stream;
        if (s != null) {
            s.close();
        }
        response.cancel(true);
    }
}
