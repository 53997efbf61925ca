package dev.syncline.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.ConflictResolutionService.SettledConflict;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.RetryPolicy;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.Json;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.server.Tokens;
import dev.syncline.testkit.FaultyProxy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What every fault simulation shares: the secret, the three document types and their policies,
 * how a replica is configured, how a value is written and read back, and how the final state is
 * read (the server by pulling it directly, never through a replica).
 *
 * <p>Types: {@code uniq} (one writer per document, {@code manual} policy, so any conflict opens
 * and shows), {@code note} (one writer per document, the default {@code merge} policy, under which
 * a conflict is settled silently), {@code reg} (shared registers several replicas write,
 * {@code latest} policy).
 */
final class Sim {
    static final byte[] SECRET = "fault-simulation-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final String[] TYPES = {"uniq", "note", "reg"};
    /** Retries fast, so that a healed network drains in seconds rather than minutes of backoff. */
    static final RetryPolicy FAST_RETRY = new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(400), 2.0, 0.5);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Sim() {
    }

    /**
     * @return false when {@code -Dsyncline.sim.without} (a comma-separated list) names this kind of
     *     fault: {@code lost-acks} (lost and cut responses, lost-ack episodes), {@code kills}
     *     (syncs killed midway, SIGKILLs of replicas), {@code server-restarts}, {@code partitions},
     *     {@code skew}. For telling which fault a violation needs; a seed then takes other steps.
     */
    static boolean enabled(String kind) {
        String without = System.getProperty("syncline.sim.without", "");
        for (String k : without.split(",")) {
            if (k.trim().equals(kind)) {
                return false;
            }
        }
        return true;
    }

    static String token(String user, String scope) {
        return Tokens.mint(SECRET, user, List.of(scope), Duration.ofHours(6), Clock.systemUTC());
    }

    /**
     * Opens (or reopens) a replica's file.
     *
     * @param clock the replica's wall clock, skewed as the run decided
     */
    static SyncClient open(Path file, String url, String user, String scope, Clock clock, int pushBatch, long seed) {
        return open(file, url, user, scope, clock, pushBatch, seed, FAST_RETRY);
    }

    /** As {@link #open(Path, String, String, String, Clock, int, long)}, with another backoff. */
    static SyncClient open(Path file, String url, String user, String scope, Clock clock, int pushBatch, long seed,
            RetryPolicy retry) {
        return SyncClient.builder().database(file).serverUrl(url).token(token(user, scope)).clock(clock)
                .durability(Durability.NORMAL).timeouts(Duration.ofSeconds(1), Duration.ofMillis(1200))
                .retryPolicy(retry).random(new SplittableRandom(seed)::nextDouble).batchSizes(pushBatch, 1000)
                .conflictStrategy("uniq", ConflictResolutionStrategy.MANUAL)
                .conflictStrategy("reg", ConflictResolutionStrategy.USE_LATEST)
                .build();
    }

    /**
     * After healing: each replica syncs until its outbox is empty and it has pulled to the end
     * (recorded as a {@link History.Drain}, failed when not within twice {@code bound}), then all
     * sync in rounds until one changes nothing (at most 6).
     *
     * @return how many syncs it ran
     */
    static long drainAndSettle(History h, Map<String, SyncClient> clients, Duration bound, StringBuilder notes) {
        long syncs = 0;
        long healed = System.nanoTime();
        for (Map.Entry<String, SyncClient> e : clients.entrySet()) {
            boolean drained = false;
            while (System.nanoTime() - healed < bound.toNanos() * 2) {
                syncs++;
                SyncReport rep = e.getValue().sync(Duration.ofSeconds(10));
                h.sync(e.getKey(), rep.outcome().name(), "PASS (healed)", rep.error());
                if ((rep.outcome() == SyncReport.Outcome.CAUGHT_UP || rep.outcome() == SyncReport.Outcome.OPEN_CONFLICTS)
                        && rep.pending() == 0) {
                    drained = true;
                    break;
                }
            }
            h.drain(e.getKey(), Duration.ofNanos(System.nanoTime() - healed), drained);
        }
        for (int round = 0; round < 6; round++) {
            boolean quiet = true;
            for (Map.Entry<String, SyncClient> e : clients.entrySet()) {
                syncs++;
                SyncReport rep = e.getValue().sync(Duration.ofSeconds(10));
                h.sync(e.getKey(), rep.outcome().name(), "PASS (settling)", rep.error());
                if (rep.pushed() > 0 || rep.pulled() > 0 || rep.conflictsSettled() > 0) {
                    quiet = false;
                }
            }
            if (quiet) {
                return syncs;
            }
        }
        notes.append("replicas were still exchanging changes after 6 rounds of syncs\n");
        return syncs;
    }

    static ObjectNode value(String tag) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("w", tag);
        return o;
    }

    /** @return the tag of a document's data, or null */
    static String tag(JsonNode data) {
        return data == null || !data.hasNonNull("w") ? null : data.get("w").asText();
    }

    static String type(String doc) {
        return doc.substring(0, doc.indexOf('/'));
    }

    static String id(String doc) {
        return doc.substring(doc.indexOf('/') + 1);
    }

    /** @return the replica's local copy of {@code doc}: its tag (null when absent or deleted) and version */
    static History.Read read(History h, String replica, SyncClient c, String scope, String doc) {
        Document<ObjectNode> d = c.documents().get(scope, type(doc), id(doc)).orElse(null);
        return h.read(replica, doc, d == null || d.deleted() ? null : tag(d.value()), d == null ? 0 : d.sync().version());
    }

    /** @return the highest HLC stamp a replica holds: on any of its documents or open conflicts; null when none */
    static String maxStamp(SyncClient c, String scope) {
        dev.syncline.core.Hlc max = null;
        List<String> stamps = new ArrayList<>();
        for (String type : TYPES) {
            for (Document<ObjectNode> d : c.documents().list(scope, type)) {
                stamps.add(d.sync().lastModified());
            }
        }
        for (SyncConflict o : c.conflicts().openConflicts()) {
            stamps.add(o.remoteHlc());
            stamps.add(o.localHlc());
        }
        for (String s : stamps) {
            if (s != null && dev.syncline.core.Hlc.isValid(s)) {
                dev.syncline.core.Hlc h = dev.syncline.core.Hlc.parse(s);
                max = max == null || h.compareTo(max) > 0 ? h : max;
            }
        }
        return max == null ? null : max.toString();
    }

    /** @return the stamp of the local copy of {@code doc}, or null when there is none */
    static String stampOf(SyncClient c, String scope, String doc) {
        return c.documents().get(scope, type(doc), id(doc)).map(d -> d.sync().lastModified()).orElse(null);
    }

    /** Reads every document of a replica into the history. */
    static void readAll(History h, String replica, SyncClient c, String scope) {
        for (String type : TYPES) {
            for (Document<ObjectNode> d : c.documents().list(scope, type)) {
                h.read(replica, type + "/" + d.id(), d.deleted() ? null : tag(d.value()), d.sync().version());
            }
        }
    }

    /** @return the replica's live documents, conflicts and queue */
    static FinalState.Replica finalState(String name, SyncClient c, String scope) {
        Map<String, String> live = new TreeMap<>();
        for (String type : TYPES) {
            for (Document<ObjectNode> d : c.documents().list(scope, type)) {
                if (!d.deleted()) {
                    live.put(type + "/" + d.id(), tag(d.value()));
                }
            }
        }
        List<FinalState.Conflict> conflicts = new ArrayList<>();
        for (SettledConflict s : c.conflicts().settledConflicts()) {
            conflicts.add(new FinalState.Conflict(s.type() + "/" + s.id(), s.conflictType().wire(), tag(s.local()),
                    tag(s.remote()), tag(s.result()), false));
        }
        for (SyncConflict o : c.conflicts().openConflicts()) {
            conflicts.add(new FinalState.Conflict(o.type() + "/" + o.id(), o.conflictType().wire(), tag(o.local()),
                    tag(o.remote()), null, true));
        }
        List<FinalState.FailedOp> failed = new ArrayList<>();
        for (PendingOperation op : c.pendingOperations().failedOperations()) {
            failed.add(new FinalState.FailedOp(op.type() + "/" + op.id(), tag(op.data()), op.error()));
        }
        return new FinalState.Replica(name, live, conflicts, failed, c.pendingOperations().getPendingOperationsCount());
    }

    /** @return the server's latest state of every document of {@code scope}, pulled directly */
    static Map<String, FinalState.ServerDoc> readServer(String url, String scope) {
        String token = token("checker", scope);
        Map<String, FinalState.ServerDoc> out = new HashMap<>();
        String cursor = null;
        try {
            for (int page = 0; page < 10_000; page++) {
                String q = url + "/v1/pull?limit=1000" + (cursor == null ? "" : "&cursor="
                        + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(q)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("pull from the server answered " + r.statusCode() + ": "
                            + new String(r.body(), StandardCharsets.UTF_8));
                }
                PullPage p = Json.read(r.body(), PullPage.class);
                for (Change ch : p.changes()) {
                    String doc = ch.type() + "/" + ch.id();
                    FinalState.ServerDoc had = out.get(doc);
                    if (had == null || had.version() < ch.version()) {
                        out.put(doc, new FinalState.ServerDoc(doc, ch.version(), ch.deleted(), ch.deleted() ? null : tag(ch.data())));
                    }
                }
                cursor = p.cursor();
                if (!p.hasMore()) {
                    return out;
                }
            }
            throw new IllegalStateException("the server's feed did not end");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot pull from the server at " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The ways a simulation breaks one replica's link, in the order the runs draw them. */
    enum LinkFault { LOST_PUSH_ACKS, LOST_RESPONSES, RESET_MID_RESPONSE, BLACKHOLE, REFUSE, DELAY, BANDWIDTH }

    /**
     * Breaks {@code proxy}'s link as {@code fault} says and records it in the history.
     *
     * @return the proxy's mode as the history names it
     */
    static String breakLink(LinkFault fault, FaultyProxy proxy, History h, String replica, java.util.Random rnd) {
        switch (fault) {
            case LOST_PUSH_ACKS -> {
                proxy.dropResponses("/v1/push");
                h.fault("lost-push-acks", replica);
                return "DROP_RESPONSES /v1/push";
            }
            case LOST_RESPONSES -> {
                proxy.dropResponses();
                h.fault("lost-responses", replica);
                return "DROP_RESPONSES";
            }
            case RESET_MID_RESPONSE -> {
                String path = rnd.nextBoolean() ? "/v1/pull" : "/v1/push";
                proxy.resetResponses(rnd.nextInt(300), path);
                h.fault("reset-mid-response", replica + " " + path);
                return "RESET_RESPONSES " + path;
            }
            case BLACKHOLE -> {
                proxy.mode(FaultyProxy.Mode.BLACKHOLE);
                h.fault("partition-blackhole", replica);
                return "BLACKHOLE";
            }
            case REFUSE -> {
                proxy.mode(FaultyProxy.Mode.REFUSE);
                h.fault("partition-refuse", replica);
                return "REFUSE";
            }
            case DELAY -> {
                proxy.delay(Duration.ofMillis(20 + rnd.nextInt(100)));
                h.fault("delay", replica);
                return "DELAY";
            }
            default -> {
                proxy.bandwidth(4_000 + rnd.nextInt(40_000));
                h.fault("bandwidth-limit", replica);
                return "BANDWIDTH";
            }
        }
    }
}
