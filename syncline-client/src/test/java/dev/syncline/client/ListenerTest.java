package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener API of watches: first value at once, then every change, never overlapping, ended by the token. */
class ListenerTest {
    @TempDir
    Path dir;
    SyncClient client;
    Repository<AudioTrack> tracks;
    ExecutorService pool = Executors.newFixedThreadPool(4);

    @BeforeEach
    void open() {
        client = SyncClient.builder().database(dir.resolve("l.db")).durability(Durability.NORMAL)
                .register(TrackFlow.TRACKS).build();
        tracks = client.repository(AudioTrack.class);
    }

    @AfterEach
    void close() {
        client.close();
        pool.shutdownNow();
    }

    /** Records every value and whether two calls ever overlapped or came on the writer's thread. */
    static final class Values<T> implements Consumer<T> {
        final List<T> items = new CopyOnWriteArrayList<>();
        final AtomicBoolean overlapping = new AtomicBoolean();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final AtomicBoolean inside = new AtomicBoolean();

        @Override
        public void accept(T value) {
            if (!inside.compareAndSet(false, true)) {
                overlapping.set(true);
            }
            threads.add(Thread.currentThread());
            items.add(value);
            inside.set(false);
        }
    }

    private static AudioTrack track(String id, int n) {
        return new AudioTrack(id, "team-1", "p1", "take " + n, n);
    }

    @Test
    void watch_deliversTheCurrentValueAtOnce_thenEveryChangeInOrder_offTheWritersThread() {
        tracks.save(track("t1", 0));
        Values<Optional<AudioTrack>> v = new Values<>();
        ListenerToken token = tracks.watch("team-1", "t1", v);
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.size() == 1);
        tracks.save(track("t1", 1));
        tracks.delete("team-1", "t1");
        tracks.save(track("t1", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.size() == 4);
        assertThat(v.items).containsExactly(Optional.of(track("t1", 0)), Optional.of(track("t1", 1)), Optional.empty(),
                Optional.of(track("t1", 2)));
        assertThat(v.threads).doesNotContain(Thread.currentThread());
        token.close();
    }

    @Test
    void listeners_neverOverlap_andEachGetsEveryChangeOfItsDocument() throws Exception {
        tracks.save(track("t1", -1));
        List<Values<Optional<AudioTrack>>> all = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Values<Optional<AudioTrack>> v = new Values<>();
            tracks.watch("team-1", "t1", v);
            all.add(v);
        }
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            writers.add(CompletableFuture.runAsync(() -> {
                for (int n = 0; n < 100; n++) {
                    tracks.patch("team-1", "t1", java.util.Map.of("durationMs", n));
                }
            }, pool));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (Values<Optional<AudioTrack>> v : all) {
            await().atMost(Duration.ofSeconds(20)).until(() -> v.items.size() == 1 + 200);
            assertThat(v.overlapping).isFalse();
            assertThat(v.items.get(v.items.size() - 1)).isEqualTo(tracks.get("team-1", "t1"));
        }
    }

    @Test
    void watchQuery_deliversAtOnceAndConvergesOnTheNewestResult() {
        Values<List<AudioTrack>> v = new Values<>();
        tracks.watchQuery(Query.where("projectId", "p1"), v);
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.size() == 1);
        assertThat(v.items.get(0)).isEmpty();
        for (int n = 0; n < 20; n++) {
            tracks.save(track("t" + n, n));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.get(v.items.size() - 1).size() == 20);
        assertThat(v.overlapping).isFalse();
    }

    @Test
    void closingTheToken_endsTheWatch_andLaterChangesAreNotDelivered() {
        Values<Optional<AudioTrack>> v = new Values<>();
        Values<Optional<AudioTrack>> witness = new Values<>();
        ListenerToken token = tracks.watch("team-1", "t1", v);
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.size() == 1);
        token.close();
        token.close(); // twice does nothing
        assertThat(client.watches().activeSubscriptions()).isZero();
        tracks.watch("team-1", "t1", witness);
        tracks.save(track("t1", 1));
        // The witness, registered after the close, sees the write; the closed listener does not.
        await().atMost(Duration.ofSeconds(10)).until(() -> witness.items.size() == 2);
        assertThat(v.items).containsExactly(Optional.empty());
    }

    @Test
    void aThrowingListener_keepsItsWatch_andGetsTheNextChange() {
        List<Optional<AudioTrack>> seen = new CopyOnWriteArrayList<>();
        tracks.watch("team-1", "t1", value -> {
            seen.add(value);
            throw new IllegalStateException("app bug");
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        tracks.save(track("t1", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
        assertThat(seen.get(1)).contains(track("t1", 1));
    }

    @Test
    void aBlockedListener_neverBlocksTheWriter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        tracks.watch("team-1", "t1", value -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture.runAsync(() -> {
            for (int n = 0; n < 50; n++) {
                tracks.save(track("t1", n));
            }
        }, pool).get(30, TimeUnit.SECONDS);
        release.countDown();
    }

    @Test
    void outboxAndConflictListeners_deliverAtOnceAndOnChange() {
        Values<List<PendingOperation>> ops = new Values<>();
        Values<List<dev.syncline.core.SyncConflict>> conflicts = new Values<>();
        client.pendingOperations().watchPendingOperations(ops);
        client.conflicts().watchOpenConflicts(conflicts);
        await().atMost(Duration.ofSeconds(10)).until(() -> ops.items.size() == 1 && conflicts.items.size() == 1);
        assertThat(ops.items.get(0)).isEmpty();
        assertThat(conflicts.items.get(0)).isEmpty();
        tracks.save(track("t1", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> ops.items.get(ops.items.size() - 1).size() == 1);
    }

    @Test
    void documentsWatch_followsOneDocumentOfAnyType() {
        Values<Optional<Document<com.fasterxml.jackson.databind.node.ObjectNode>>> v = new Values<>();
        client.documents().watch("team-1", "audio_track", "t1", v);
        tracks.save(track("t1", 7));
        await().atMost(Duration.ofSeconds(10)).until(() -> v.items.size() == 2);
        assertThat(v.items.get(0)).isEmpty();
        assertThat(v.items.get(1).orElseThrow().value().get("durationMs").asInt()).isEqualTo(7);
    }
}
