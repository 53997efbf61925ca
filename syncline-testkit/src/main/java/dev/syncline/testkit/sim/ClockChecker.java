package dev.syncline.testkit.sim;

import dev.syncline.core.Hlc;
import dev.syncline.testkit.sim.History.Stamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Monotonic clocks that do not run ahead (invariant 8): each replica's write stamps only go
 * forward, across restarts too, and no stamp is dated ahead of both the replica's own wall clock
 * and every stamp anyone had issued or the replica had seen before it (a clock may follow a
 * remote stamp from a clock that runs ahead, but may not run ahead by itself).
 */
public final class ClockChecker implements Checker {
    @Override
    public String name() {
        return "clock-not-ahead";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        Map<String, Hlc> last = new HashMap<>();
        long issued = 0; // highest wall time of any stamp recorded so far
        for (Stamp s : history.events(Stamp.class)) {
            Hlc h = Hlc.parse(s.hlc());
            long bound = Math.max(Math.max(s.clockMillis(), issued), s.seenHlc() == null ? 0 : Hlc.parse(s.seenHlc()).wallMillis());
            if (h.wallMillis() > bound) {
                out.add(violation(s.doc(), s.replica() + " stamped a write " + (h.wallMillis() - bound)
                        + " ms ahead of its clock and of every stamp before it (" + s.hlc() + ", history #" + s.seq() + ")"));
            }
            Hlc before = last.put(s.replica(), h);
            if (before != null && h.compareTo(before) <= 0) {
                out.add(violation(s.doc(), s.replica() + " stamped a write " + s.hlc() + " (history #" + s.seq()
                        + ") not after its previous stamp " + before));
            }
            issued = Math.max(issued, h.wallMillis());
        }
        return out;
    }
}
