package dev.syncline.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.testkit.sim.FinalState.Conflict;
import dev.syncline.testkit.sim.FinalState.FailedOp;
import dev.syncline.testkit.sim.FinalState.Replica;
import dev.syncline.testkit.sim.FinalState.ServerDoc;
import dev.syncline.testkit.sim.History.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each checker accepts a history that keeps its property and reports one that breaks it. The
 * valid history has two replicas: r0 creates uniq/a, creates and deletes uniq/b, and writes the
 * register reg/k concurrently with r1 (r0's conflict settles it); everyone syncs and drains.
 */
class CheckersTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** A valid run, with knobs to break one thing at a time. */
    private static final class Run {
        final History h = new History();
        final Map<String, ServerDoc> server = new HashMap<>();
        final Map<String, String> live0 = new HashMap<>();
        final Map<String, String> live1 = new HashMap<>();
        final List<Conflict> conflicts0 = new ArrayList<>();
        final List<FailedOp> failed1 = new ArrayList<>();
        long pending1;

        Run() {
            h.write("r0", "uniq/a", Kind.PUT, "a1", null, true);
            h.stamp("r0", "uniq/a", "1767225600000-0000-c0", 1767225600000L, null);
            h.read("r0", "uniq/a", "a1", 0);
            h.write("r0", "uniq/b", Kind.PUT, "b1", null, true);
            h.write("r0", "uniq/b", Kind.DELETE, null, "b1", true);
            h.read("r0", "uniq/b", null, 0);
            h.write("r1", "reg/k", Kind.PUT, "k1", null, true);
            h.stamp("r1", "reg/k", "1767236400000-0000-c1", 1767236400000L, null); // r1's clock runs 3 h ahead
            h.write("r0", "reg/k", Kind.PUT, "k2", null, true);
            h.stamp("r0", "reg/k", "1767236400000-0001-c0", 1767225600050L, "1767236400000-0000-c1"); // follows it
            h.fault("RESPONSE_DROPPED", "r0 /v1/push");
            h.sync("r1", "CAUGHT_UP", "PASS", null);
            h.sync("r0", "CAUGHT_UP", "PASS", null);
            h.read("r0", "uniq/a", "a1", 1);
            h.read("r0", "reg/k", "k2", 2);
            h.read("r1", "reg/k", "k2", 2);
            h.drain("r0", Duration.ofMillis(120), true);
            h.drain("r1", Duration.ofMillis(80), true);
            server.put("uniq/a", new ServerDoc("uniq/a", 1, false, "a1"));
            server.put("uniq/b", new ServerDoc("uniq/b", 2, true, null));
            server.put("reg/k", new ServerDoc("reg/k", 2, false, "k2"));
            live0.put("uniq/a", "a1");
            live0.put("reg/k", "k2");
            live1.put("uniq/a", "a1");
            live1.put("reg/k", "k2");
            conflicts0.add(new Conflict("reg/k", "concurrentModification", "k2", "k1", "k2", false));
        }

        FinalState end() {
            return new FinalState(server, Map.of("r0", new Replica("r0", live0, conflicts0, List.of(), 0),
                    "r1", new Replica("r1", live1, List.of(), failed1, pending1)));
        }

        List<Violation> check(Checker c) {
            return c.check(h, end());
        }
    }

    @Test
    void everyChecker_acceptsARunThatKeepsEveryProperty() {
        Run run = new Run();
        assertThat(Checkers.check(Checkers.all(BOUND), run.h, run.end())).isEmpty();
        assertThat(run.h.faultCounts()).containsEntry("RESPONSE_DROPPED", 1L);
    }

    @Test
    void convergence_reportsAReplicaThatDiffersFromTheServer() {
        Run run = new Run();
        run.live1.put("reg/k", "k1");
        assertThat(run.check(new ConvergenceChecker())).singleElement().asString().contains("reg/k", "r1 holds k1");
    }

    @Test
    void noLostWrite_reportsAnAcknowledgedWriteThatIsNowhere() {
        Run run = new Run();
        run.server.remove("uniq/a");
        run.live0.remove("uniq/a");
        run.live1.remove("uniq/a");
        assertThat(run.check(new NoLostWriteChecker())).singleElement().asString().contains("uniq/a", "a1");
    }

    @Test
    void noLostWrite_reportsAnAcknowledgedDeleteUndoneWithoutAConflict() {
        Run run = new Run();
        run.server.put("uniq/b", new ServerDoc("uniq/b", 3, false, "b1"));
        assertThat(run.check(new NoLostWriteChecker())).singleElement().asString().contains("uniq/b", "delete of b1");
    }

    @Test
    void noLostWrite_acceptsADeleteOfANeverPushedValue_whenAnotherReplicaCreatedTheDocumentConcurrently() {
        Run run = new Run(); // r0 created reg/n and deleted it before any push; r1 created it meanwhile
        run.h.write("r0", "reg/n", Kind.PUT, "n0", null, true);
        run.h.write("r0", "reg/n", Kind.DELETE, null, "n0", true);
        run.h.write("r1", "reg/n", Kind.PUT, "n1", null, true);
        run.server.put("reg/n", new ServerDoc("reg/n", 1, false, "n1"));
        run.live0.put("reg/n", "n1");
        run.live1.put("reg/n", "n1");
        assertThat(Checkers.check(Checkers.all(BOUND), run.h, run.end())).isEmpty();
    }

    @Test
    void noLostWrite_acceptsALosingWriteOnRecordInAConflict_andAnUnacknowledgedOne() {
        Run run = new Run(); // k1 lost to k2 and is on record
        run.h.write("r1", "uniq/c", Kind.PUT, "c1", null, false); // the process died before it answered
        assertThat(run.check(new NoLostWriteChecker())).isEmpty();
    }

    @Test
    void noLostWrite_acceptsADeleteThatAnotherReplicaRecreatedOnTop_thenLostToAConcurrentEditByPolicy() {
        // r0 deletes k2; r1, holding the tombstone (version 3), re-creates reg/k as k5; r2's edit k4 of
        // k2, made without seeing the delete, then wins over k5 by policy, on record as a conflict.
        Run run = new Run();
        run.h.write("r0", "reg/k", Kind.DELETE, null, "k2", true);
        run.h.read("r1", "reg/k", null, 3);
        run.h.write("r1", "reg/k", Kind.PUT, "k5", null, true);
        run.h.write("r2", "reg/k", Kind.PUT, "k4", "k2", true);
        run.server.put("reg/k", new ServerDoc("reg/k", 5, false, "k4"));
        run.live0.put("reg/k", "k4");
        run.live1.put("reg/k", "k4");
        run.conflicts0.add(new Conflict("reg/k", "concurrentModification", "k4", "k5", "k4", false));
        assertThat(run.check(new NoLostWriteChecker())).isEmpty();
    }

    @Test
    void noResurrectedDelete_reportsADeletedValueLiveAgain() {
        Run run = new Run();
        run.server.put("uniq/b", new ServerDoc("uniq/b", 3, false, "b1"));
        run.live0.put("uniq/b", "b1");
        run.live1.put("uniq/b", "b1");
        assertThat(run.check(new NoResurrectedDeleteChecker())).singleElement().asString()
                .contains("uniq/b", "deleted last by r0", "live on the server as b1");
    }

    @Test
    void noResurrectedDelete_acceptsAConcurrentValueThatWonOverTheDelete() {
        Run run = new Run();
        run.h.write("r1", "reg/k", Kind.DELETE, null, "k2", true);
        // r1 deleted k2; k1, written without seeing k2, won over the delete by policy
        run.server.put("reg/k", new ServerDoc("reg/k", 3, false, "k1"));
        assertThat(run.check(new NoResurrectedDeleteChecker())).isEmpty();
    }

    @Test
    void exactlyOnce_reportsADocumentWrittenOnceAtVersionTwo() {
        Run run = new Run();
        run.server.put("uniq/a", new ServerDoc("uniq/a", 2, false, "a1"));
        assertThat(run.check(new ExactlyOnceChecker())).singleElement().asString().contains("uniq/a", "version 2");
    }

    @Test
    void noPhantomValue_reportsAValueNobodyWrote_orOneWrittenToAnotherDocument() {
        Run run = new Run();
        run.server.put("reg/k", new ServerDoc("reg/k", 2, false, "zz"));
        run.live1.put("uniq/a", "k1");
        assertThat(run.check(new NoPhantomValueChecker())).hasSize(2).anySatisfy(v -> assertThat(v.message())
                .contains("zz", "nobody wrote")).anySatisfy(v -> assertThat(v.message()).contains("written to reg/k"));
    }

    @Test
    void noStuckOperation_reportsQueuedAndFailedOperations() {
        Run run = new Run();
        run.pending1 = 2;
        run.failed1.add(new FailedOp("reg/k", "k1", "invalid_data: no"));
        assertThat(run.check(new NoStuckOperationChecker())).hasSize(2);
    }

    @Test
    void noSpuriousConflict_reportsAConflictWithTheReplicasOwnEcho() {
        Run run = new Run(); // class 1: r0 created uniq/a, its ack was lost, it deleted; the pull echoed a1 back
        run.h.write("r0", "uniq/a", Kind.DELETE, null, "a1", true);
        run.conflicts0.add(new Conflict("uniq/a", "deletedLocally", null, "a1", null, true));
        assertThat(run.check(new NoSpuriousConflictChecker())).singleElement().asString()
                .contains("uniq/a", "deletedLocally", "only it wrote");
    }

    @Test
    void noSpuriousConflict_reportsAConflictWithAValueMadeOnTopOfTheLocalOne() {
        Run run = new Run(); // r1 wrote k3 on top of k2, yet r0 met k3 as a conflict with k2
        run.h.write("r1", "reg/k", Kind.PUT, "k3", "k2", true);
        run.conflicts0.add(new Conflict("reg/k", "concurrentModification", "k2", "k3", "k3", false));
        run.server.put("reg/k", new ServerDoc("reg/k", 3, false, "k3"));
        assertThat(run.check(new NoSpuriousConflictChecker())).singleElement().asString()
                .contains("reg/k", "made on top of it");
    }

    @Test
    void queueDrains_reportsAReplicaThatNeverDrained_orTookTooLong() {
        Run run = new Run();
        run.h.drain("r0", Duration.ofSeconds(45), false);
        run.h.drain("r1", Duration.ofSeconds(31), true);
        assertThat(run.check(new QueueDrainChecker(BOUND))).hasSize(2);
    }

    @Test
    void readYourWrites_reportsAWriteThatVanishedFromItsReplica_andADeletedValueReadAgain() {
        Run run = new Run();
        run.h.read("r0", "uniq/a", null, 1);
        run.h.read("r0", "uniq/b", "b1", 2);
        assertThat(run.check(new ReadYourWritesChecker())).hasSize(2)
                .anySatisfy(v -> assertThat(v.message()).contains("vanished"))
                .anySatisfy(v -> assertThat(v.message()).contains("a value the write replaced"));
    }

    @Test
    void readYourWrites_acceptsAnotherReplicasConcurrentValue() {
        Run run = new Run();
        run.h.read("r1", "reg/k", "k2", 2); // r1 wrote k1; r0's concurrent k2 won
        assertThat(run.check(new ReadYourWritesChecker())).isEmpty();
    }

    @Test
    void clock_reportsAStampAheadOfItsClockAndOfEverythingSeen_andAStampGoingBack() {
        Run run = new Run();
        // After a restart: 900 ms ahead of its clock (a lease), then a stamp below its last one.
        run.h.stamp("r0", "uniq/a", "1767236400950-0000-c0", 1767236400050L, "1767236400000-0001-c0");
        run.h.stamp("r0", "uniq/a", "1767236400900-0000-c0", 1767236400100L, "1767236400950-0000-c0");
        assertThat(run.check(new ClockChecker())).hasSize(2)
                .anySatisfy(v -> assertThat(v.message()).contains("900 ms ahead"))
                .anySatisfy(v -> assertThat(v.message()).contains("not after its previous stamp"));
    }

    @Test
    void monotonicReads_reportsAVersionGoingBack_andAnOlderValueReadAgain() {
        Run run = new Run();
        run.h.read("r0", "uniq/a", "a1", 0);
        run.h.write("r1", "reg/k", Kind.PUT, "k3", "k2", true);
        run.h.read("r1", "reg/k", "k3", 3);
        run.h.read("r1", "reg/k", "k2", 3);
        assertThat(run.check(new MonotonicReadsChecker())).hasSize(2);
    }
}
