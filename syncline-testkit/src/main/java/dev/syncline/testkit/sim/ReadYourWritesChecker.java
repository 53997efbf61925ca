package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Kind;
import dev.syncline.testkit.sim.History.Read;
import dev.syncline.testkit.sim.History.Write;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Read your writes: after a replica's acknowledged write, its reads of that document show that
 * write, or a value made on top of it, or a value another replica wrote that it had not seen
 * (which may win a conflict by policy); never nothing when it wrote a value and nobody deleted
 * the document, and never a value it deleted or one its write replaced. Reports the first bad read
 * after each write.
 */
public final class ReadYourWritesChecker implements Checker {
    @Override
    public String name() {
        return "read-your-writes";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        Map<String, Write> lastWrite = new HashMap<>(); // replica + doc -> its last acknowledged write
        java.util.Set<Long> reported = new java.util.HashSet<>(); // one violation per write: the first bad read
        for (History.Event e : history.events()) {
            if (e instanceof Write w && w.acked()) {
                lastWrite.put(w.replica() + " " + w.doc(), w);
            } else if (e instanceof Read r) {
                Write w = lastWrite.get(r.replica() + " " + r.doc());
                if (w == null) {
                    continue;
                }
                String problem = reported.contains(w.seq()) ? null : problem(history, causal, w, r);
                if (problem != null) {
                    reported.add(w.seq());
                    out.add(violation(r.doc(), r.replica() + " read " + (r.value() == null ? "nothing" : r.value())
                            + " (history #" + r.seq() + ") after its " + (w.kind() == Kind.PUT ? "write of " + w.value()
                            : "delete of " + w.prior()) + " (#" + w.seq() + "): " + problem));
                }
            }
        }
        return out;
    }

    private static String problem(History history, Causality causal, Write w, Read r) {
        String mark = w.kind() == Kind.PUT ? w.value() : w.prior(); // what the write knew
        if (r.value() == null) {
            if (w.kind() == Kind.DELETE) {
                return null;
            }
            boolean deletedByOther = history.writes(w.doc()).stream()
                    .anyMatch(x -> x.kind() == Kind.DELETE && !x.replica().equals(w.replica()));
            return deletedByOther ? null : "its value vanished and nobody else deleted the document";
        }
        if (w.kind() == Kind.PUT && r.value().equals(w.value())) {
            return null;
        }
        if (causal.atOrBefore(r.value(), mark)) {
            return "a value the write replaced";
        }
        if (w.kind() == Kind.PUT && causal.atOrBefore(w.value(), r.value())) {
            return null; // made on top of it
        }
        String writer = causal.writerOf(r.value());
        if (writer != null && !writer.equals(w.replica())) {
            return null; // another replica's value, concurrent with or after the write
        }
        return writer == null ? "a value nobody wrote" : "an older value of its own that its write did not build on";
    }
}
