package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.flow.SynclineFlow;
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
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Flow adapters ({@link SynclineFlow}) over the listener API: the Flow rules and the delivery guarantees. */
class WatchTest {
    @TempDir
    Path dir;
    SyncClient client;
    Repository<AudioTrack> tracks;
    ExecutorService pool = Executors.newFixedThreadPool(4);

    @BeforeEach
    void open() {
        client = SyncClient.builder().database(dir.resolve("w.db")).durability(Durability.NORMAL)
                .register(TrackFlow.TRACKS).build();
        tracks = client.repository(AudioTrack.class);
    }

    @AfterEach
    void close() {
        client.close();
        pool.shutdownNow();
    }

    /** Records every signal; requests everything unless told otherwise. */
    static class Recorder<T> implements Flow.Subscriber<T> {
        final List<T> items = new CopyOnWriteArrayList<>();
        final long initialRequest;
        volatile Flow.Subscription subscription;
        volatile Throwable error;
        final AtomicBoolean completed = new AtomicBoolean();
        final AtomicBoolean overlapping = new AtomicBoolean();
        private final AtomicBoolean inside = new AtomicBoolean();

        Recorder() {
            this(Long.MAX_VALUE);
        }

        Recorder(long initialRequest) {
            this.initialRequest = initialRequest;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initialRequest > 0) {
                s.request(initialRequest);
            }
        }

        @Override
        public void onNext(T item) {
            if (!inside.compareAndSet(false, true)) {
                overlapping.set(true);
            }
            items.add(item);
            inside.set(false);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed.set(true);
        }
    }

    private static AudioTrack track(String id, int n) {
        return new AudioTrack(id, "team-1", "p1", "take " + n, n);
    }

    @Test
    void watch_emitsCurrentValueAtOnce_thenEveryChange() {
        tracks.save(track("t1", 0));
        Recorder<Optional<AudioTrack>> r = new Recorder<>();
        SynclineFlow.watch(tracks, "team-1", "t1").subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);
        assertThat(r.items).containsExactly(Optional.of(track("t1", 0)));

        tracks.save(track("t1", 1));
        tracks.delete("team-1", "t1");
        tracks.save(track("t1", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 4);
        assertThat(r.items).containsExactly(Optional.of(track("t1", 0)), Optional.of(track("t1", 1)), Optional.empty(),
                Optional.of(track("t1", 2)));
    }

    @Test
    void documentWatcher_seesTheSyncStatusMoveThroughClaimAndAck() {
        tracks.save(track("t1", 0));
        Recorder<Optional<Document<com.fasterxml.jackson.databind.node.ObjectNode>>> r = new Recorder<>();
        SynclineFlow.watch(client.documents(), "team-1", "audio_track", "t1").subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);

        PendingOperation op = client.outbox().claim(10).get(0);
        client.outbox().ack(op.opId(), 3);

        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 3);
        assertThat(r.items).extracting(d -> d.orElseThrow().sync().syncStatus())
                .containsExactly(dev.syncline.core.SyncStatus.PENDING, dev.syncline.core.SyncStatus.SYNCING,
                        dev.syncline.core.SyncStatus.SYNCED);
        assertThat(r.items.get(2).orElseThrow().sync().version()).isEqualTo(3);
    }

    @Test
    void claimAndAck_withNobodyWatching_stillRecordTheStatus() {
        tracks.save(track("t1", 0));
        PendingOperation op = client.outbox().claim(10).get(0);
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus())
                .isEqualTo(dev.syncline.core.SyncStatus.SYNCING);
        client.outbox().ack(op.opId(), 3);
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus())
                .isEqualTo(dev.syncline.core.SyncStatus.SYNCED);
    }

    @Test
    void watchers_onSeveralThreads_getEveryChangeOfTheirDocumentInOrder() throws Exception {
        int writers = 3;
        int writes = 200;
        List<List<Recorder<Optional<AudioTrack>>>> early = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            List<Recorder<Optional<AudioTrack>>> rs = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                Recorder<Optional<AudioTrack>> r = new Recorder<>();
                SynclineFlow.watch(tracks, "team-1", "doc" + w).subscribe(r);
                rs.add(r);
            }
            early.add(rs);
        }
        List<Recorder<Optional<AudioTrack>>> late = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String id = "doc" + w;
            running.add(CompletableFuture.runAsync(() -> {
                for (int n = 0; n < writes; n++) {
                    tracks.save(track(id, n));
                    if (n == writes / 2) {
                        Recorder<Optional<AudioTrack>> r = new Recorder<>();
                        SynclineFlow.watch(tracks, "team-1", id).subscribe(r); // joins mid-stream
                        late.add(r);
                    }
                }
            }, pool));
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        for (int w = 0; w < writers; w++) {
            List<Optional<AudioTrack>> expected = new ArrayList<>();
            expected.add(Optional.empty());
            for (int n = 0; n < writes; n++) {
                expected.add(Optional.of(track("doc" + w, n)));
            }
            for (Recorder<Optional<AudioTrack>> r : early.get(w)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> r.items.size() >= expected.size());
                assertThat(r.items).containsExactlyElementsOf(expected);
                assertThat(r.overlapping).isFalse();
            }
        }
        assertThat(late).hasSize(writers);
        for (Recorder<Optional<AudioTrack>> r : late) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !r.items.isEmpty()
                    && r.items.get(r.items.size() - 1).map(AudioTrack::durationMs).orElse(-1) == writes - 1);
            // A contiguous run from the value current at subscription to the last write.
            int first = r.items.get(0).orElseThrow().durationMs();
            assertThat(first).isGreaterThanOrEqualTo(writes / 2);
            for (int i = 0; i < r.items.size(); i++) {
                assertThat(r.items.get(i).orElseThrow().durationMs()).isEqualTo(first + i);
            }
        }
    }

    @Test
    void watchQuery_emitsAtOnceAndConvergesOnTheLatestResult_neverGoingBack() throws Exception {
        Recorder<List<AudioTrack>> r = new Recorder<>();
        SynclineFlow.watchQuery(tracks, Query.where("projectId", "p1")).subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);
        assertThat(r.items.get(0)).isEmpty();

        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            running.add(CompletableFuture.runAsync(() -> {
                for (int n = 0; n < 50; n++) {
                    tracks.save(new AudioTrack("w" + writer + "-" + n, "team-1", "p1", "x", n));
                    tracks.save(new AudioTrack("other" + writer + "-" + n, "team-1", "p2", "x", n));
                }
            }, pool));
        }
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> r.items.get(r.items.size() - 1).size() == 100);
        for (int i = 1; i < r.items.size(); i++) {
            assertThat(r.items.get(i).size()).as("emission %d", i).isGreaterThanOrEqualTo(r.items.get(i - 1).size());
        }
        assertThat(r.items.get(r.items.size() - 1)).allSatisfy(t -> assertThat(t.projectId()).isEqualTo("p1"));
    }

    @Test
    void aBlockedSubscriber_neverBlocksTheWriter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        SynclineFlow.watch(tracks, "team-1", "t1").subscribe(new Recorder<>() {
            @Override
            public void onNext(Optional<AudioTrack> item) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (int n = 0; n < 50; n++) {
                tracks.save(track("t1", n));
            }
        }, pool);
        writes.get(30, TimeUnit.SECONDS); // completes while the subscriber is still stuck
        assertThat(release.getCount()).isEqualTo(1);
        release.countDown();
    }

    @Test
    void subscriber_receivesOnlyWhatItRequested_andNothingAfterCancel() {
        Recorder<Optional<AudioTrack>> r = new Recorder<>(1);
        SynclineFlow.watch(tracks, "team-1", "t1").subscribe(r);
        tracks.save(track("t1", 1));
        tracks.save(track("t1", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);
        assertThat(r.items).containsExactly(Optional.empty());
        r.subscription.request(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 2);
        assertThat(r.items.get(1)).contains(track("t1", 1));
        r.subscription.cancel();
        r.subscription.request(5);
        tracks.save(track("t1", 3));
        assertThat(client.watches().activeSubscriptions()).isZero();
        assertThat(r.items).hasSize(2);
    }

    @Test
    void nonPositiveRequest_signalsErrorPerFlowRule() {
        Recorder<Optional<AudioTrack>> r = new Recorder<>(0);
        SynclineFlow.watch(tracks, "team-1", "t1").subscribe(r);
        r.subscription.request(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.error != null);
        assertThat(r.error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
    }

    @Test
    void watchPendingOperations_followsTheOutbox() {
        Recorder<List<PendingOperation>> r = new Recorder<>();
        SynclineFlow.watchPendingOperations(client.pendingOperations()).subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);
        assertThat(r.items.get(0)).isEmpty();
        tracks.save(track("t1", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.get(r.items.size() - 1).size() == 1);
        PendingOperation op = client.outbox().claim(1).get(0);
        client.outbox().ack(op.opId(), 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.get(r.items.size() - 1).isEmpty());
    }

    @Test
    void aQueryOnAnUndeclaredField_reachesTheSubscriberAsOnError() {
        Recorder<List<AudioTrack>> r = new Recorder<>();
        SynclineFlow.watchQuery(tracks, Query.where("durationMs", 1)).subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.error != null);
        assertThat(r.error).isInstanceOf(dev.syncline.core.InvalidInputException.class)
                .hasMessageContaining("not a declared index");
        assertThat(r.items).isEmpty();
        assertThat(client.watches().activeSubscriptions()).isZero();
    }

    @Test
    void close_completesEveryWatcher() {
        Recorder<List<AudioTrack>> r = new Recorder<>();
        SynclineFlow.watchAll(tracks).subscribe(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.items.size() == 1);
        client.close();
        await().atMost(Duration.ofSeconds(10)).untilTrue(r.completed);
    }
}
