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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of local writes interleaved with pushes that succeed or fail: whatever the
 * outbox coalesced, replaying what is still queued onto the server's state gives exactly the
 * documents the app wrote (replaying the full sequence), and the local store shows the same.
 * jqwik prints the seed of a failing run so it replays.
 */
class CoalescingProperties {
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

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<String> id = Arbitraries.of(IDS);
        Arbitrary<String> title = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(4);
        Arbitrary<Action> save = Combinators.combine(id, title).as(Save::new);
        Arbitrary<Action> patch = Combinators.combine(id, title).as(Patch::new);
        Arbitrary<Action> delete = id.map(Delete::new);
        Arbitrary<Action> push = Combinators.combine(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 7)).as(Push::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, save), net.jqwik.api.Tuple.of(2, patch),
                net.jqwik.api.Tuple.of(2, delete), net.jqwik.api.Tuple.of(2, push))
                .list().ofMinSize(1).ofMaxSize(30);
    }

    @Property(tries = 150)
    void replayingTheCoalescedQueueEqualsReplayingTheFullSequence(@ForAll("actions") List<Action> actions)
            throws IOException {
        Path dir = Files.createTempDirectory("syncline-prop");
        TestClock clock = new TestClock();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("r.db")).clock(clock)
                .durability(Durability.NORMAL).register(TrackFlow.TRACKS).random(new SplittableRandom(1)).build()) {
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
