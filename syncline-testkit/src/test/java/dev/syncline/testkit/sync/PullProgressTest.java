package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.ScopeProgress;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.Json;
import dev.syncline.testkit.ManualClock;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull progress per scope (the highest seq each scope's feed has been pulled to) and its use: a
 * poke for a seq the replica has already pulled triggers no pull. Real server, real files.
 */
class PullProgressTest {
    static final String S1 = "team-1";
    static final String S2 = "team-2";
    static final String S3 = "team-3";
    static final BackgroundSyncCoordinator.Settings NO_PERIODIC = new BackgroundSyncCoordinator.Settings(
            Duration.ofMillis(20), Duration.ofMillis(200), Duration.ZERO);

    @TempDir
    Path dir;

    /** @return the highest seq per scope of the server's feed, read with a raw pull from the beginning */
    static Map<String, Long> serverHeads(String url, String token) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Long> heads = new TreeMap<>();
        String cursor = null;
        boolean more = true;
        while (more) {
            String q = cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/pull?limit=1000" + q))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = Json.parse(r.body());
            for (JsonNode ch : page.get("changes")) {
                heads.merge(ch.get("scope").asText(), ch.get("seq").asLong(), Math::max);
            }
            cursor = page.get("cursor").asText();
            more = page.get("hasMore").asBoolean();
        }
        return heads;
    }

    static Map<String, Long> seqs(SyncClient c) {
        return c.status().scopes().stream()
                .collect(Collectors.toMap(ScopeProgress::scope, ScopeProgress::seq, (x, y) -> x, TreeMap::new));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        NetworkBehaviourTest.await(what, Duration.ofSeconds(15), condition);
    }

    /** Waits until the replica listens on the stream and its start-up syncs (reconnect, stream connected) are over. */
    static void settle(PokeFront front, SyncClient a) throws InterruptedException {
        await("listening and idle", () -> front.listeners() == 1 && front.pulls() >= 1 && !a.coordinator().hasPendingSync());
        // Real time, kept: the stream-connected trigger follows the stream's opening by a moment
        // and leaves no trace this test can wait for before it has run.
        Thread.sleep(300);
        await("idle", () -> !a.coordinator().hasPendingSync());
    }

    @Test
    void pullsOverSeveralScopes_recordEachScopesHighestSeqAndWhenItWasPulled_pageByPage() throws Exception {
        String all = Loopback.token("reader", S1, S2, S3);
        ManualClock clock = new ManualClock(Instant.parse("2030-01-01T10:00:00Z"));
        try (Loopback net = new Loopback(dir);
                SyncClient writer = net.client("w", b -> b.token(all));
                SyncClient reader = net.client("r", b -> b.token(all).clock(clock).batchSizes(500, 2))) {
            for (int i = 0; i < 3; i++) {
                writer.documents().put(S1, "note", "a" + i, json("{\"i\":" + i + "}"));
            }
            writer.documents().put(S2, "note", "b0", json("{\"i\":0}"));
            writer.sync();
            writer.documents().patch(S1, "note", "a0", json("{\"i\":10}")); // a0's latest state has a higher seq
            writer.sync();
            assertThat(reader.status().scopes()).isEmpty();
            assertThat(reader.status().cursor()).isNull();

            assertThat(reader.sync().pulled()).isEqualTo(4); // pages of 2: progress is saved with each
            Map<String, Long> heads = serverHeads(net.server.url(), all);
            assertThat(heads).containsOnlyKeys(S1, S2);
            assertThat(seqs(reader)).isEqualTo(heads);
            assertThat(reader.status().scopes()).extracting(ScopeProgress::lastPulledAt)
                    .containsOnly(Instant.parse("2030-01-01T10:00:00Z"));
            assertThat(reader.status().cursor()).isNotBlank();

            // Only team-2 moves: only its entry changes.
            clock.advance(Duration.ofMinutes(5));
            writer.documents().put(S2, "note", "b1", json("{\"i\":1}"));
            writer.sync();
            reader.sync();
            Map<String, Long> after = serverHeads(net.server.url(), all);
            assertThat(after.get(S2)).isGreaterThan(heads.get(S2));
            assertThat(seqs(reader)).isEqualTo(after);
            assertThat(reader.status().scopes()).extracting(ScopeProgress::scope, ScopeProgress::lastPulledAt)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(S1, Instant.parse("2030-01-01T10:00:00Z")),
                            org.assertj.core.groups.Tuple.tuple(S2, Instant.parse("2030-01-01T10:05:00Z")));
        }
        // Durable: the same file reopened reports the same progress.
        try (SyncClient again = SyncClient.builder().database(dir.resolve("r.db")).build()) {
            assertThat(seqs(again)).containsOnlyKeys(S1, S2);
        }
    }

    @Test
    void ownPush_doesNotMoveThePulledSeq_untilAPullBringsItBack() throws Exception {
        String token = Loopback.token("alice", S3);
        try (Loopback net = new Loopback(dir); SyncClient a = net.client("a", b -> b.token(token))) {
            a.documents().put(S3, "note", "n1", json("{\"v\":1}"));
            assertThat(a.push(Duration.ofSeconds(10)).pushed()).isEqualTo(1);
            assertThat(a.status().scopes()).isEmpty(); // the server took it, but this replica has not pulled it

            assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            assertThat(seqs(a)).isEqualTo(serverHeads(net.server.url(), token));
        }
    }

    @Test
    void pokeForASeqAlreadyPulled_triggersNoPull_whileANewerSeqOrAnUnpulledScopeDoes() throws Exception {
        String token = Loopback.token("alice", S1, S2);
        try (Loopback net = new Loopback(dir); PokeFront front = new PokeFront(net.server.url());
                SyncClient b = net.client("b", bld -> bld.token(Loopback.token("bob", S1, S2)))) {
            b.documents().put(S1, "note", "n1", json("{\"v\":1}"));
            b.sync();
            try (SyncClient a = net.client("a", front.url(), bld -> bld.token(token).backgroundSync(true)
                    .backgroundSyncSettings(NO_PERIODIC))) {
                settle(front, a);
                assertThat(a.documents().get(S1, "note", "n1")).isPresent();
                long seen = seqs(a).get(S1);
                int pulls = front.pulls();

                front.poke(S1, seen);
                Thread.sleep(500); // many debounce periods: a pull it caused would have started
                await("idle", () -> !a.coordinator().hasPendingSync());
                assertThat(front.pulls()).isEqualTo(pulls);

                b.documents().put(S1, "note", "n2", json("{\"v\":2}"));
                b.sync();
                front.poke(S1, seen + 1);
                await("a pulled n2", () -> a.documents().get(S1, "note", "n2").isPresent());
                await("idle", () -> !a.coordinator().hasPendingSync());
                assertThat(front.pulls()).isEqualTo(pulls + 1);
                assertThat(seqs(a).get(S1)).isEqualTo(seen + 1);

                front.poke(S2, 1); // a scope no pull has brought yet
                await("pulled for team-2", () -> front.pulls() == pulls + 2);
            }
        }
    }

    @Test
    void pokeOfTheReplicasOwnPush_arrivingBeforeThePushAnswer_causesNoSecondPull() throws Exception {
        String token = Loopback.token("alice", S1);
        try (Loopback net = new Loopback(dir); PokeFront front = new PokeFront(net.server.url());
                SyncClient a = net.client("a", front.url(), bld -> bld.token(token).backgroundSync(true)
                        .backgroundSyncSettings(NO_PERIODIC))) {
            settle(front, a);
            front.pokeOnEveryPush(true);
            int pulls = front.pulls();

            a.documents().put(S1, "note", "n1", json("{\"v\":1}"));
            await("pushed and pulled back", () -> a.pendingOperations().getPendingOperationsCount() == 0
                    && !a.status().scopes().isEmpty());
            Thread.sleep(500); // the poke, read while the push ran, would have its own run by now
            await("idle", () -> !a.coordinator().hasPendingSync());
            assertThat(front.pulls()).isEqualTo(pulls + 1); // the push-then-pull run's pull only
            assertThat(seqs(a)).isEqualTo(serverHeads(net.server.url(), token));
        }
    }
}
