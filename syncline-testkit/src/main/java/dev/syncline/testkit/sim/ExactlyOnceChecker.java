package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Kind;
import dev.syncline.testkit.sim.History.Write;
import java.util.ArrayList;
import java.util.List;

/**
 * Exactly-once application (invariant 3): a document written once, by one create, has version 1
 * on the server, however often the push was retried, lost or replayed.
 */
public final class ExactlyOnceChecker implements Checker {
    @Override
    public String name() {
        return "exactly-once";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        for (String doc : history.documents()) {
            List<Write> ws = history.writes(doc);
            if (ws.size() != 1 || ws.get(0).kind() != Kind.PUT) {
                continue;
            }
            FinalState.ServerDoc s = end.server().get(doc);
            if (s != null && s.version() != 1) {
                out.add(violation(doc, "written once (" + ws.get(0).value() + " by " + ws.get(0).replica()
                        + ") but at version " + s.version() + " on the server"));
            }
        }
        return out;
    }
}
