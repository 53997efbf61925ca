package dev.syncline.testkit.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * No spurious conflict (invariant 7): a replica records a conflict only when another replica
 * really wrote the document concurrently. A conflict on a document nobody else wrote, or between a
 * side and a value made on top of it (the replica's own echo, typically after a lost
 * acknowledgement), is spurious.
 */
public final class NoSpuriousConflictChecker implements Checker {
    @Override
    public String name() {
        return "no-spurious-conflict";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        for (FinalState.Replica r : end.replicas().values()) {
            for (FinalState.Conflict c : r.conflicts()) {
                boolean nobodyElse = history.writersOf(c.doc()).stream().allMatch(w -> w.equals(r.name()));
                if (nobodyElse) {
                    out.add(violation(c.doc(), r.name() + " recorded a " + c.conflictType() + " conflict (local "
                            + c.local() + ", remote " + c.remote() + (c.open() ? ", open" : "")
                            + ") on a document only it wrote"));
                } else if (causal.causallyOrdered(r.name(), c)) {
                    out.add(violation(c.doc(), r.name() + " recorded a " + c.conflictType() + " conflict (local "
                            + c.local() + ", remote " + c.remote() + (c.open() ? ", open" : "")
                            + ") between a value and one made on top of it"));
                }
            }
        }
        return out;
    }
}
