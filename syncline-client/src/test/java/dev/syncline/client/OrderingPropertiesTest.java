package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.TrackFlow.Project;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Random writes to two types of different priority, interleaved with claims whose operations are
 * acked, fail transiently or fail permanently, retries and clock moves. At every claim, the
 * claimed batch is exactly the first {@code max} claimable operations in push order, where an
 * operation is claimable when it is the oldest outstanding one of its document, pending and due:
 * priority lanes, per-document FIFO, and a failed operation holding back its own document only.
 */
class OrderingPropertiesTest {
    private static final List<String> IDS = List.of("a", "b", "c");

    sealed interface Action {
    }

    /** A write to a project (high priority) or an audio track (medium). */
    record Write(boolean project, String id, int n) implements Action {
    }

    /** Claim up to {@code max}; then per claimed op, by its 2-bit code: 0/1 ack, 2 transient fail, 3 permanent fail. */
    record Claim(int max, int codes) implements Action {
    }

    record RetryAll() implements Action {
    }

    record Advance(int seconds) implements Action {
    }

    /** Up to 40 actions, weighted 5 writes : 4 claims : 1 retry : 2 clock moves. */
    static List<Action> actions(Random r) {
        int n = 1 + r.nextInt(40);
        List<Action> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(12);
            if (pick < 5) {
                out.add(new Write(r.nextBoolean(), IDS.get(r.nextInt(IDS.size())), r.nextInt(100)));
            } else if (pick < 9) {
                out.add(new Claim(1 + r.nextInt(4), r.nextInt(256)));
            } else if (pick < 10) {
                out.add(new RetryAll());
            } else {
                out.add(new Advance(r.nextInt(121)));
            }
        }
        return out;
    }

    @Test
    void claimsFollowPriorityLanesAndPerDocumentFifo() throws IOException {
        long seed = Long.getLong("syncline.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 100; i++) {
            List<Action> actions = actions(random);
            try {
                claimsFollowPriorityLanesAndPerDocumentFifoOnce(actions);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (replay with -Dsyncline.seed=" + seed + "), try " + i
                        + ": " + actions, e);
            }
        }
    }

    private void claimsFollowPriorityLanesAndPerDocumentFifoOnce(List<Action> actions) throws IOException {
        Path dir = Files.createTempDirectory("syncline-order");
        TestClock clock = new TestClock();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("r.db")).clock(clock)
                .durability(Durability.NORMAL).register(TrackFlow.PROJECTS).register(TrackFlow.TRACKS)
                .random(new SplittableRandom(3)::nextDouble).build()) {
            Repository<Project> projects = client.repository(Project.class);
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            Map<String, Long> serverVersion = new HashMap<>();
            for (Action a : actions) {
                if (a instanceof Write w) {
                    if (w.project()) {
                        projects.save(new Project(w.id(), "team-1", "name " + w.n(), "u" + w.n()));
                    } else {
                        tracks.save(new AudioTrack(w.id(), "team-1", "p1", "take " + w.n(), w.n()));
                    }
                } else if (a instanceof Advance adv) {
                    clock.advance(Duration.ofSeconds(adv.seconds()));
                } else if (a instanceof RetryAll) {
                    int failed = client.pendingOperations().failedOperations().size();
                    assertThat(client.pendingOperations().retryAll()).isEqualTo(failed);
                } else if (a instanceof Claim c) {
                    List<String> expected = expectedClaim(client, clock, c.max());
                    List<PendingOperation> claimed = client.outbox().claim(c.max());
                    assertThat(claimed).extracting(PendingOperation::opId).as("claimed batch").isEqualTo(expected);
                    for (int i = 0; i < claimed.size(); i++) {
                        PendingOperation op = claimed.get(i);
                        String key = op.type() + "/" + op.id();
                        int code = (c.codes() >> (2 * i)) & 3;
                        if (code <= 1) {
                            long v = serverVersion.getOrDefault(key, 0L);
                            assertThat(op.baseVersion()).as("base of %s", op).isEqualTo(v);
                            serverVersion.put(key, v + 1);
                            assertThat(client.outbox().ack(op.opId(), v + 1)).isTrue();
                        } else {
                            assertThat(client.outbox().fail(op.opId(), "err", code == 3)).isTrue();
                        }
                    }
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The model: heads of each document's queue that are pending and due, in push order, first {@code max}. */
    private static List<String> expectedClaim(SyncClient client, TestClock clock, int max) {
        List<PendingOperation> pushOrder = client.pendingOperations().pendingOperations();
        List<PendingOperation> heads = new ArrayList<>();
        for (String type : List.of("project", "audio_track")) {
            for (String id : IDS) {
                List<PendingOperation> queue = client.pendingOperations().operationsFor("team-1", type, id);
                if (!queue.isEmpty()) {
                    PendingOperation head = queue.get(0);
                    if (head.state() == OperationState.PENDING && !head.nextAttemptAt().isAfter(clock.instant())) {
                        heads.add(head);
                    }
                }
            }
        }
        List<String> order = pushOrder.stream().map(PendingOperation::opId).toList();
        for (int i = 1; i < pushOrder.size(); i++) {
            // push order itself: priority lanes first
            assertThat(pushOrder.get(i).priority().rank()).isGreaterThanOrEqualTo(pushOrder.get(i - 1).priority().rank());
        }
        return heads.stream().sorted(Comparator.comparingInt(op -> order.indexOf(op.opId()))).limit(max)
                .map(PendingOperation::opId).toList();
    }
}
