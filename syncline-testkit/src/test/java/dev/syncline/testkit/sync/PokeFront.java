package dev.syncline.testkit.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.syncline.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A front for a real server on a loopback port that lets a test say when a replica is poked:
 * push, pull and health go through to the server (pull requests are counted), while
 * {@code /v1/stream} is served here and carries only the pokes the test sends. With
 * {@link #pokeOnEveryPush} on, each push's applied results are poked (with their scope and seq)
 * before the push's answer goes back, as a server does when a stream is faster than the answer.
 */
final class PokeFront implements AutoCloseable {
    private final String target;
    private final HttpServer http;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "poke-front");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<HttpExchange> streams = new CopyOnWriteArrayList<>();
    private final AtomicInteger pulls = new AtomicInteger();
    private volatile boolean pokeOnEveryPush;

    PokeFront(String targetUrl) throws IOException {
        this.target = targetUrl;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(threads);
        http.createContext("/", this::handle);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** @return how many pull requests went through */
    int pulls() {
        return pulls.get();
    }

    /** @return how many replicas listen on the stream */
    int listeners() {
        return streams.size();
    }

    void pokeOnEveryPush(boolean on) {
        pokeOnEveryPush = on;
    }

    /** Sends a poke to every open stream. */
    void poke(String scope, long seq) {
        byte[] event = ("event: poke\ndata: {\"scope\":\"" + scope + "\",\"seq\":" + seq + "}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        for (HttpExchange ex : streams) {
            try {
                OutputStream out = ex.getResponseBody();
                synchronized (ex) {
                    out.write(event);
                    out.flush();
                }
            } catch (IOException gone) {
                streams.remove(ex);
            }
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().equals("/v1/stream")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(": open\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            streams.add(ex); // left open: pokes are written to it later
            return;
        }
        if (ex.getRequestURI().getPath().equals("/v1/pull")) {
            pulls.incrementAndGet();
        }
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((k, v) -> {
            if (k.equalsIgnoreCase("Authorization") || k.equalsIgnoreCase("Content-Type")) {
                v.forEach(x -> rb.header(k, x));
            }
        });
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendResponseHeaders(500, -1);
            ex.close();
            return;
        }
        if (pokeOnEveryPush && ex.getRequestURI().getPath().equals("/v1/push") && resp.statusCode() == 200) {
            JsonNode sent = Json.parse(new String(body, StandardCharsets.UTF_8)).get("ops");
            JsonNode results = Json.parse(new String(resp.body(), StandardCharsets.UTF_8)).get("results");
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).get("status").asText().equals("applied")) {
                    poke(sent.get(i).get("scope").asText(), results.get(i).get("seq").asLong());
                }
            }
        }
        resp.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
        ex.sendResponseHeaders(resp.statusCode(), resp.body().length == 0 ? -1 : resp.body().length);
        if (resp.body().length > 0) {
            ex.getResponseBody().write(resp.body());
        }
        ex.close();
    }

    @Override
    public void close() {
        for (HttpExchange ex : streams) {
            ex.close();
        }
        http.stop(0);
        threads.shutdownNow();
    }
}
