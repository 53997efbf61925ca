package dev.syncline.server.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.core.protocol.PushOp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LISTEN/NOTIFY between two notifiers (two server instances) on one real database. */
class PgNotifierTest {
    private record Poke(String scope, long seq) {
    }

    private PostgresTestDatabase db;
    private PostgresStore storeA;
    private PostgresStore storeB;
    private PgNotifier a;
    private PgNotifier b;
    private final List<Poke> heardA = new CopyOnWriteArrayList<>();
    private final List<Poke> heardB = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        db = PostgresTestDatabase.create();
        storeA = PostgresStore.open(db.url(), 2);
        storeB = PostgresStore.open(db.url(), 2);
        a = PgNotifier.start(db.url(), storeA);
        b = PgNotifier.start(db.url(), storeB);
        a.subscribe((s, n) -> heardA.add(new Poke(s, n)));
        b.subscribe((s, n) -> heardB.add(new Poke(s, n)));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.isListening() && b.isListening());
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
        storeA.close();
        storeB.close();
        db.close();
    }

    @Test
    void publish_reachesOtherInstanceAndOwnListenersExactlyOnce() throws Exception {
        a.publish("team-1", 7);
        await().atMost(Duration.ofSeconds(5)).until(() -> heardB.contains(new Poke("team-1", 7)));
        // Give a's own notification time to come back through PostgreSQL; it must be ignored.
        a.publish("team-2", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> heardB.contains(new Poke("team-2", 1)));
        Thread.sleep(300);
        assertThat(heardA).containsExactly(new Poke("team-1", 7), new Poke("team-2", 1));
        assertThat(heardB).containsExactly(new Poke("team-1", 7), new Poke("team-2", 1));
    }

    @Test
    void listeningConnectionKilled_reconnectsAndCarriesLaterPublishes() throws Exception {
        a.publish("team-1", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> heardB.contains(new Poke("team-1", 1)));
        int before = b.connects();

        assertThat(db.terminateConnections()).isPositive();

        await().atMost(Duration.ofSeconds(20)).until(() -> b.connects() > before && b.isListening());
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isListening());
        a.publish("team-1", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> heardB.contains(new Poke("team-1", 2)));
    }

    @Test
    void commitWhoseNotificationWasLost_isPokedAfterReconnect() throws Exception {
        // A commit whose notification b never hears (as when it lands while b's connection is down).
        List<PushOp> ops = List.of(StoreContract.upsert("team-9", "doc", 0, "{\"x\":1}"));
        storeA.apply("alice", ops, Instant.now());
        Thread.sleep(300);
        assertThat(heardB).isEmpty();
        int before = b.connects();

        db.terminateConnections();

        await().atMost(Duration.ofSeconds(20)).until(() -> b.connects() > before);
        await().atMost(Duration.ofSeconds(20)).until(() -> heardB.contains(new Poke("team-9", 1)));
    }
}
