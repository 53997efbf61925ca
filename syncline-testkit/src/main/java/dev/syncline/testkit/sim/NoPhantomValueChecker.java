package dev.syncline.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** No phantom value: every value on the server, and on every replica, was written by somebody. */
public final class NoPhantomValueChecker implements Checker {
    @Override
    public String name() {
        return "no-phantom-value";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        for (Map.Entry<String, String> e : end.serverLive().entrySet()) {
            check(causal, "the server", e.getKey(), e.getValue(), out);
        }
        for (FinalState.Replica r : end.replicas().values()) {
            for (Map.Entry<String, String> e : r.live().entrySet()) {
                check(causal, r.name(), e.getKey(), e.getValue(), out);
            }
        }
        return out;
    }

    private void check(Causality causal, String where, String doc, String value, List<Violation> out) {
        History.Write w = causal.writeOf(value);
        if (w == null) {
            out.add(violation(doc, where + " holds " + value + ", which nobody wrote"));
        } else if (!w.doc().equals(doc)) {
            out.add(violation(doc, where + " holds " + value + ", which was written to " + w.doc()));
        }
    }
}
