package dev.syncline.testkit.sim;

import java.util.ArrayList;
import java.util.List;

/** No operation stuck: after healing, no replica has an operation still queued or failed. */
public final class NoStuckOperationChecker implements Checker {
    @Override
    public String name() {
        return "no-stuck-operation";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        for (FinalState.Replica r : end.replicas().values()) {
            if (r.pending() > 0) {
                out.add(violation(null, r.name() + " still has " + r.pending() + " operation(s) queued"));
            }
            for (FinalState.FailedOp f : r.failed()) {
                out.add(violation(f.doc(), r.name() + " failed " + (f.value() == null ? "a delete" : f.value()) + ": "
                        + f.error()));
            }
        }
        return out;
    }
}
