package dev.syncline.testkit.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The checkers of the fault suite, together. */
public final class Checkers {
    private Checkers() {
    }

    /** @return every checker, with {@code drainBound} as the longest a replica may take to drain after healing */
    public static List<Checker> all(Duration drainBound) {
        return List.of(new ConvergenceChecker(), new NoLostWriteChecker(), new NoResurrectedDeleteChecker(),
                new ExactlyOnceChecker(), new NoPhantomValueChecker(), new NoStuckOperationChecker(),
                new NoSpuriousConflictChecker(), new QueueDrainChecker(drainBound), new ReadYourWritesChecker(),
                new MonotonicReadsChecker(), new ClockChecker());
    }

    /** @return every violation any of {@code checkers} finds */
    public static List<Violation> check(List<Checker> checkers, History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        for (Checker c : checkers) {
            out.addAll(c.check(history, end));
        }
        return out;
    }
}
