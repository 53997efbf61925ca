package dev.syncline.testkit.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The queue drains: after the network heals, every replica empties its outbox and catches up within a bound. */
public final class QueueDrainChecker implements Checker {
    private final Duration bound;

    /** @param bound the longest a replica may take after healing */
    public QueueDrainChecker(Duration bound) {
        this.bound = Objects.requireNonNull(bound, "bound");
    }

    @Override
    public String name() {
        return "queue-drains";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        for (String r : end.replicas().keySet()) {
            List<History.Drain> ds = history.events(History.Drain.class).stream().filter(d -> d.replica().equals(r)).toList();
            if (ds.isEmpty()) {
                out.add(violation(null, r + " was never seen draining"));
            }
            for (History.Drain d : ds) {
                if (!d.drained()) {
                    out.add(violation(null, r + " did not drain within " + d.took().toMillis() + " ms of healing"));
                } else if (d.took().compareTo(bound) > 0) {
                    out.add(violation(null, r + " took " + d.took().toMillis() + " ms to drain, more than " + bound.toMillis()));
                }
            }
        }
        return out;
    }
}
