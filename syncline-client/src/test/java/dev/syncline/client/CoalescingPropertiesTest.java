package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.core.Json;
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
 * Random sequences of local writes interleaved with pushes that succeed or fail: whatever the
 * outbox coalesced, replaying what is still queued onto the server's state gives exactly the
 * documents the app wrote (replaying the full sequence), and the local store shows the same.
 * A failure prints its seed; -Dsyncline.seed=N replays it.
 */
class CoalescingPropertiesTest {
    private static final List<String> IDS = List.of("a", "b", "c");

    sealed interface Action {
    }

    record Save(String id, String title) implements Action {
    }

    record Patch(String id, String title) implements Action {
    }

    record Delete(String id) implements Action {
    }

    /** Claim up to {@code max} operations; for each, the server applies it unless {@code failMask} has its bit. */
    record Push(int max, int failMask) implements Action {
    }

    /** Up to 30 actions, weighted 4 saves : 2 patches : 2 deletes : 2 pushes. */
    static List<Action> actions(Random r) {
        int n = 1 + r.nextInt(30);
        List<Action> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = IDS.get(r.nextInt(IDS.size()));
            int pick = r.nextInt(10);
            if (pick < 4) {
                out.add(new Save(id, title(r)));
            } else if (pick < 6) {
                out.add(new Patch(id, title(r)));
            } else if (pick < 8) {
                out.add(new Delete(id));
            } else {
                out.add(new Push(1 + r.nextInt(3), r.nextInt(8)));
            }
        }
        return out;
    }

    private static String title(Random r) {
        StringBuilder sb = new StringBuilder();
        int len = 1 + r.nextInt(4);
        for (int i = 0; i < len; i++) {
            char base = r.nextBoolean() ? 'a' : 'A';
            sb.append((char) (base + r.nextInt(26)));
        }
        return sb.toString();
    }

    @Test
    void replayingTheCoalescedQueueEqualsReplayingTheFullSequence() throws IOException {
        long seed = Long.getLong("syncline.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 150; i++) {
            List<Action> actions = actions(random);
            try {
                replayingTheCoalescedQueueEqualsReplayingTheFullSequenceOnce(actions);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (replay with -Dsyncline.seed=" + seed + "), try " + i
                        + ": " + actions, e);
            }
        }
    }

    private void replayingTheCoalescedQueueEqualsReplayingTheFullSequenceOnce(List<Action> actions)
            throws IOException {
        Path dir = Files.createTempDirectory("syncline-prop");
        TestClock clock = new TestClock();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("r.db")).clock(clock)
                .durability(Durability.NORMAL).register(TrackFlow.TRACKS).random(new SplittableRandom(1)::nextDouble).build()) {
            Repository<AudioTrack> repo = client.repository(AudioTrack.class);
            Map<String, ObjectNode> written = new HashMap<>(); // the full sequence, applied in order
            Map<String, ObjectNode> server = new HashMap<>();  // what the server holds (absent = none or tombstone)
            Map<String, Long> serverVersion = new HashMap<>();
            for (Action a : actions) {
                if (a instanceof Save s) {
                    AudioTrack t = new AudioTrack(s.id(), "team-1", "p1", s.title(), s.title().length());
                    repo.save(t);
                    written.put(s.id(), Json.mapper().valueToTree(t));
                } else if (a instanceof Patch p) {
                    if (written.containsKey(p.id())) {
                        repo.patch("team-1", p.id(), Map.of("title", p.title()));
                        written.get(p.id()).put("title", p.title());
                    }
                } else if (a instanceof Delete d) {
                    assertThat(repo.delete("team-1", d.id())).isEqualTo(written.remove(d.id()) != null);
                } else if (a instanceof Push push) {
                    clock.advance(Duration.ofHours(1)); // every backoff has passed
                    List<PendingOperation> claimed = client.outbox().claim(push.max());
                    for (int i = 0; i < claimed.size(); i++) {
                        PendingOperation op = claimed.get(i);
                        if ((push.failMask() & (1 << i)) != 0) {
                            assertThat(client.outbox().fail(op.opId(), "timeout", false)).isTrue();
                            continue;
                        }
                        long current = serverVersion.getOrDefault(op.id(), 0L);
                        assertThat(op.baseVersion()).as("base of %s", op).isEqualTo(current);
                        apply(server, op);
                        serverVersion.put(op.id(), current + 1);
                        assertThat(client.outbox().ack(op.opId(), current + 1)).isTrue();
                    }
                }
            }

            Map<String, ObjectNode> replayed = new HashMap<>(server);
            List<PendingOperation> queued = client.pendingOperations().pendingOperations().stream()
                    .sorted(Comparator.comparing(PendingOperation::createdAt)).toList();
            for (String id : IDS) {
                for (PendingOperation op : client.pendingOperations().operationsFor("team-1", "audio_track", id)) {
                    apply(replayed, op);
                }
            }
            assertThat(replayed).as("queue replayed on the server's state").isEqualTo(written);
            Map<String, ObjectNode> local = new HashMap<>();
            for (AudioTrack t : repo.all()) {
                local.put(t.id(), Json.mapper().valueToTree(t));
            }
            assertThat(local).as("local store").isEqualTo(written);
            assertThat(queued.stream().filter(op -> op.state() == OperationState.PENDING && op.attempts() == 0)
                    .map(PendingOperation::id).toList()).as("at most one unsent operation per document").doesNotHaveDuplicates();
            for (String id : IDS) {
                boolean dirty = !client.pendingOperations().operationsFor("team-1", "audio_track", id).isEmpty();
                repo.document("team-1", id).ifPresent(d -> assertThat(d.sync().needsSync()).as("needsSync of %s", id).isEqualTo(dirty));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void apply(Map<String, ObjectNode> state, PendingOperation op) {
        switch (op.operationType()) {
            case CREATE, UPDATE -> state.put(op.id(), op.data());
            case DELETE -> state.remove(op.id());
        }
    }
}
