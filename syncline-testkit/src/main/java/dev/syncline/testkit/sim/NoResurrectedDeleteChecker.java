package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Kind;
import dev.syncline.testkit.sim.History.Write;
import java.util.ArrayList;
import java.util.List;

/**
 * No resurrected delete: a document whose last write anywhere was an acknowledged delete is not
 * live on the server with a value the delete was made on top of. (A value written concurrently,
 * by a replica that had not seen what was deleted, may win a conflict by policy; one the deleter
 * had seen may not come back.)
 */
public final class NoResurrectedDeleteChecker implements Checker {
    @Override
    public String name() {
        return "no-resurrected-delete";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        for (String doc : history.documents()) {
            List<Write> ws = history.writes(doc);
            Write last = ws.get(ws.size() - 1);
            if (last.kind() != Kind.DELETE || !last.acked()) {
                continue;
            }
            FinalState.ServerDoc s = end.server().get(doc);
            if (s == null || s.deleted()) {
                continue;
            }
            if (s.value() != null && causal.atOrBefore(s.value(), last.prior())) {
                out.add(violation(doc, "deleted last by " + last.replica() + " (history #" + last.seq() + ", on top of "
                        + last.prior() + ") but live on the server as " + s.value() + " at version " + s.version()));
            }
        }
        return out;
    }
}
