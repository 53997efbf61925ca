package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Read;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Monotonic reads: on one replica, the server version it has seen of a document never goes back
 * (across syncs, crashes and restarts), and it never reads a value again after reading one made
 * on top of it.
 */
public final class MonotonicReadsChecker implements Checker {
    @Override
    public String name() {
        return "monotonic-reads";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        Map<String, Read> previous = new HashMap<>();
        for (Read r : history.events(Read.class)) {
            Read p = previous.put(r.replica() + " " + r.doc(), r);
            if (p == null) {
                continue;
            }
            if (r.version() < p.version()) {
                out.add(violation(r.doc(), r.replica() + " saw version " + p.version() + " (#" + p.seq() + "), then version "
                        + r.version() + " (#" + r.seq() + ")"));
            } else if (r.value() != null && p.value() != null && !r.value().equals(p.value())
                    && causal.atOrBefore(r.value(), p.value())) {
                out.add(violation(r.doc(), r.replica() + " read " + p.value() + " (#" + p.seq() + "), then the older "
                        + r.value() + " it was made on (#" + r.seq() + ")"));
            }
        }
        return out;
    }
}
