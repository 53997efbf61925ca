package dev.syncline.bench;

import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Push load generator against PostgreSQL: starts N in-process servers over one fresh database and
 * has C concurrent clients push batches of small new documents over HTTP, each client in a scope
 * of its own ({@code --scopes own}, the default) or all in one ({@code --scopes shared}, which
 * shows the per-scope write lock), spread round-robin over the servers. Prints ops/s and push latency (p50/p99) per
 * configuration as a Markdown table row.
 *
 * <pre>
 * java -cp ... dev.syncline.bench.PostgresPushBench \
 *     --admin-url 'jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres' \
 *     --instances 1,2,4 --clients 1,2,4,8 --batch 500 --warmup 5 --seconds 15
 * </pre>
 *
 * Each configuration gets a fresh database (created through the admin URL, dropped afterwards).
 */
public final class PostgresPushBench {
    private static final byte[] SECRET = "bench-secret-bench-secret-bench-secret!".getBytes(StandardCharsets.UTF_8);

    private PostgresPushBench() {
    }

    /** One configuration's figures. */
    private record Result(int instances, int clients, long ops, double seconds, double p50Ms, double p99Ms,
            long errors) {
        double opsPerSecond() {
            return ops / seconds;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code --admin-url URL --instances 1,2,4 --clients 1,2,4,8 --batch 500 --warmup S
     *     --seconds S --pool-size N}
     */
    public static void main(String[] args) throws Exception {
        String adminUrl = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
        int[] instances = {1, 2, 4};
        int[] clients = {1, 2, 4, 8};
        int batch = 500;
        int warmup = 5;
        int seconds = 15;
        int poolSize = 8;
        boolean sharedScope = false;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--admin-url" -> adminUrl = v;
                case "--instances" -> instances = ints(v);
                case "--clients" -> clients = ints(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--pool-size" -> poolSize = Integer.parseInt(v);
                case "--scopes" -> sharedScope = switch (v) {
                    case "own" -> false;
                    case "shared" -> true;
                    default -> throw new IllegalArgumentException("--scopes is own or shared, got " + v);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "# batch %d ops, warmup %d s, measured %d s, pool %d per instance, %s, %d CPUs%n",
                batch, warmup, seconds, poolSize, sharedScope ? "all clients in one scope" : "a scope per client",
                Runtime.getRuntime().availableProcessors());
        System.out.println("| instances | clients | ops/s | p50 push ms | p99 push ms | errors |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int n : instances) {
            for (int c : clients) {
                Result r = run(adminUrl, n, c, batch, warmup, seconds, poolSize, sharedScope);
                System.out.printf(Locale.ROOT, "| %d | %d | %,.0f | %.1f | %.1f | %d |%n", r.instances(), r.clients(),
                        r.opsPerSecond(), r.p50Ms(), r.p99Ms(), r.errors());
            }
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    private static Result run(String adminUrl, int instances, int clients, int batch, int warmup, int seconds,
            int poolSize, boolean sharedScope) throws Exception {
        String db = "syncline_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        admin(adminUrl, "CREATE DATABASE " + db);
        List<SyncServer> servers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            String url = withDatabase(adminUrl, db);
            for (int i = 0; i < instances; i++) {
                servers.add(SyncServer.builder().port(0).postgres(url).postgresPoolSize(poolSize).jwtSecret(SECRET)
                        .start());
            }
            long startAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            long endAt = startAt + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<long[]>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String scope = sharedScope ? "bench" : "bench-" + c;
                String idPrefix = "c" + c + "-";
                String base = servers.get(c % instances).url();
                fs.add(pool.submit(() -> pushLoop(base, scope, idPrefix, batch, startAt, endAt)));
            }
            List<Long> latencies = new ArrayList<>();
            long errors = 0;
            for (Future<long[]> f : fs) {
                long[] r = f.get();
                errors += r[0];
                for (int i = 1; i < r.length; i++) {
                    latencies.add(r[i]);
                }
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long ops = (long) sorted.length * batch;
            return new Result(instances, clients, ops, seconds, pct(sorted, 0.50), pct(sorted, 0.99), errors);
        } finally {
            pool.shutdownNow();
            for (SyncServer s : servers) {
                s.close();
            }
            admin(adminUrl, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }

    /** @return errors first, then the latency in nanoseconds of every push completed in the window */
    private static long[] pushLoop(String base, String scope, String idPrefix, int batch, long startAt, long endAt)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String token = Tokens.mint(SECRET, "bench", List.of(scope), Duration.ofHours(1), Clock.systemUTC());
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/v1/push"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60));
        String clientId = UUID.randomUUID().toString();
        long[] lat = new long[1 << 16];
        int n = 1;
        long errors = 0;
        long docs = 0;
        while (true) {
            StringBuilder sb = new StringBuilder(batch * 160);
            sb.append("{\"clientId\":\"").append(clientId).append("\",\"ops\":[");
            for (int i = 0; i < batch; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                long d = docs++;
                sb.append("{\"opId\":\"").append(UUID.randomUUID()).append("\",\"scope\":\"").append(scope)
                        .append("\",\"type\":\"task\",\"id\":\"").append(idPrefix).append(d)
                        .append("\",\"kind\":\"upsert\",\"baseVersion\":0,\"data\":{\"title\":\"task ").append(d)
                        .append("\",\"done\":false,\"points\":").append(d % 13).append("}}");
            }
            sb.append("]}");
            long t0 = System.nanoTime();
            if (t0 >= endAt) {
                break;
            }
            HttpResponse<String> r = http.send(req.POST(HttpRequest.BodyPublishers.ofString(sb.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (r.statusCode() != 200 || r.body().contains("\"conflict\"") || r.body().contains("\"rejected\"")) {
                errors++;
                continue;
            }
            // Count only pushes that began and ended inside the measured window.
            if (t0 >= startAt && t1 <= endAt) {
                if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                }
                lat[n++] = t1 - t0;
            }
        }
        lat[0] = errors;
        return Arrays.copyOf(lat, n);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static void admin(String adminUrl, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String withDatabase(String admin, String db) {
        int slash = admin.indexOf('/', "jdbc:postgresql://".length());
        int q = admin.indexOf('?', slash);
        return admin.substring(0, slash + 1) + db + (q < 0 ? "" : admin.substring(q));
    }
}
