package dev.syncline.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Convergence (invariant 6): after healing and syncing, every replica's live documents equal the server's. */
public final class ConvergenceChecker implements Checker {
    @Override
    public String name() {
        return "convergence";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        List<Violation> out = new ArrayList<>();
        Map<String, String> truth = end.serverLive();
        for (FinalState.Replica r : end.replicas().values()) {
            TreeSet<String> docs = new TreeSet<>(truth.keySet());
            docs.addAll(r.live().keySet());
            for (String doc : docs) {
                String mine = r.live().get(doc);
                String server = truth.get(doc);
                if (mine == null ? server != null : !mine.equals(server)) {
                    out.add(violation(doc, r.name() + " holds " + (mine == null ? "nothing" : mine) + ", the server "
                            + (server == null ? "nothing" : server)));
                }
            }
        }
        return out;
    }
}
