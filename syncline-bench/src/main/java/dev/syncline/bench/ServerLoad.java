package dev.syncline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Server load generator: pushes {@code --docs} small documents (about 200 bytes of data each) in
 * batches of {@code --batch} to a server on loopback over the embedded store, then pulls them all
 * into a fresh cursor in pages of {@code --page}. Repeats {@code --runs} times on fresh stores and
 * prints each run and the median. Request bodies are built before the clock starts, so the figure
 * is the server's (HTTP, JSON, SQLite with {@code synchronous=FULL}), not the generator's.
 *
 * <pre>java -cp syncline-cli/target/syncline.jar dev.syncline.bench.ServerLoad --docs 100000</pre>
 */
public final class ServerLoad {
    private ServerLoad() {
    }

    /** One run's figures. */
    record Result(int docs, double pushSeconds, double pullSeconds) {
        double pushOpsPerSec() {
            return docs / pushSeconds;
        }

        double pullDocsPerSec() {
            return docs / pullSeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int docs = intArg(args, "--docs", 100_000);
        int batch = intArg(args, "--batch", 500);
        int page = intArg(args, "--page", 1000);
        int runs = intArg(args, "--runs", 3);
        List<Result> results = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            Result res = run(docs, batch, page, r);
            results.add(res);
            System.out.printf("run %d: push %,d docs in %.2f s = %,.0f ops/s; pull in %.2f s = %,.0f docs/s%n", r,
                    docs, res.pushSeconds(), res.pushOpsPerSec(), res.pullSeconds(), res.pullDocsPerSec());
        }
        double[] push = results.stream().mapToDouble(Result::pushOpsPerSec).sorted().toArray();
        double[] pull = results.stream().mapToDouble(Result::pullDocsPerSec).sorted().toArray();
        System.out.printf("median of %d: push %,.0f ops/s, pull %,.0f docs/s (%d cores, Java %s)%n", runs,
                median(push), median(pull), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
    }

    static Result run(int docs, int batch, int page, int runNo) throws Exception {
        Path dir = Files.createTempDirectory("syncline-load");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try (SyncServer server = SyncServer.builder().port(0).dataDir(dir).jwtSecret(secret).start()) {
            String token = Tokens.mint(secret, "bench", List.of("bench"), Duration.ofHours(2), Clock.systemUTC());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<byte[]> bodies = bodies(docs, batch, new Random(runNo));
            long t0 = System.nanoTime();
            int applied = 0;
            for (byte[] body : bodies) {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/push"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("push answered " + r.statusCode());
                }
                for (JsonNode res : Json.mapper().readTree(r.body()).get("results")) {
                    if (res.get("status").asText().equals("applied")) {
                        applied++;
                    }
                }
            }
            double pushSeconds = (System.nanoTime() - t0) / 1e9;
            if (applied != docs) {
                throw new IllegalStateException("applied " + applied + " of " + docs);
            }
            long t1 = System.nanoTime();
            int pulled = 0;
            String cursor = null;
            while (true) {
                String q = "/v1/pull?limit=" + page + (cursor == null ? ""
                        : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + q))
                        .header("Authorization", "Bearer " + token).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                JsonNode p = Json.mapper().readTree(r.body());
                pulled += p.get("changes").size();
                cursor = p.get("cursor").asText();
                if (!p.get("hasMore").asBoolean()) {
                    break;
                }
            }
            double pullSeconds = (System.nanoTime() - t1) / 1e9;
            if (pulled != docs) {
                throw new IllegalStateException("pulled " + pulled + " of " + docs);
            }
            return new Result(docs, pushSeconds, pullSeconds);
        } finally {
            deleteTree(dir);
        }
    }

    /** Push bodies of {@code batch} ops each; every document's data is about 200 bytes of JSON. */
    static List<byte[]> bodies(int docs, int batch, Random random) {
        List<byte[]> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (int start = 0; start < docs; start += batch) {
            sb.setLength(0);
            sb.append("{\"clientId\":\"bench\",\"ops\":[");
            for (int i = start; i < Math.min(docs, start + batch); i++) {
                if (i > start) {
                    sb.append(',');
                }
                sb.append("{\"opId\":\"").append(UUID.randomUUID()).append("\",\"scope\":\"bench\",")
                        .append("\"type\":\"track\",\"id\":\"t-").append(i).append("\",\"kind\":\"upsert\",")
                        .append("\"baseVersion\":0,\"data\":").append(document(i, random)).append('}');
            }
            sb.append("]}");
            out.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** @return a JSON object of about 200 bytes, shaped like an audio track */
    static String document(int i, Random random) {
        return "{\"name\":\"Track " + i + " take " + random.nextInt(100) + "\",\"projectId\":\"p-" + (i % 100)
                + "\",\"durationMs\":" + (60_000 + random.nextInt(240_000)) + ",\"format\":\"wav\",\"sampleRate\":48000,"
                + "\"tags\":[\"draft\",\"mix-" + random.nextInt(10) + "\"],\"notes\":\"" + "n".repeat(40 + random.nextInt(20))
                + "\"}";
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static int intArg(String[] args, String name, int def) {
        int i = Arrays.asList(args).indexOf(name);
        if (i < 0) {
            return def;
        }
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        int v = Integer.parseInt(args[i + 1]);
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
        return v;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
