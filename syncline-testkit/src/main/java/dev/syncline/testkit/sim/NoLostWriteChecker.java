package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Kind;
import dev.syncline.testkit.sim.History.Write;
import java.util.ArrayList;
import java.util.List;

/**
 * No acknowledged write lost (invariant 5): every write whose local call returned is on the
 * server, or was knowingly overwritten (a later write was made on top of it), or is on record as a
 * side of a conflict at some replica (settled or open), or is a failed operation there. A delete
 * is undone when the server holds the value it removed, an older one, or one made on top of it;
 * that is allowed only after a later write on a tombstone (by the deleter, or by a replica that
 * held a tombstone of a server version), or with a conflict
 * with a deleted side (or a failed delete) on record. (A value of another lineage, such as a
 * concurrent create elsewhere while the deleted value was never pushed, does not undo it.)
 */
public final class NoLostWriteChecker implements Checker {
    @Override
    public String name() {
        return "no-lost-write";
    }

    @Override
    public List<Violation> check(History history, FinalState end) {
        Causality causal = new Causality(history);
        List<Violation> out = new ArrayList<>();
        for (Write w : history.writes()) {
            if (!w.acked()) {
                continue;
            }
            FinalState.ServerDoc s = end.server().get(w.doc());
            List<FinalState.Conflict> conflicts = end.conflictsOn(w.doc());
            boolean failed = end.replicas().get(w.replica()) != null && end.replicas().get(w.replica()).failed().stream()
                    .anyMatch(f -> f.doc().equals(w.doc()) && (w.value() == null ? f.value() == null : w.value().equals(f.value())));
            if (failed) {
                continue;
            }
            if (w.kind() == Kind.PUT) {
                boolean onServer = s != null && !s.deleted() && causal.atOrBefore(w.value(), s.value());
                boolean overwritten = causal.writesAfter(w.doc(), w.seq()).stream()
                        .anyMatch(later -> causal.knownBy(w, later.prior()) || (later.kind() == Kind.DELETE
                                && w.value().equals(later.prior())));
                boolean onRecord = conflicts.stream().anyMatch(c -> w.value().equals(c.local())
                        || w.value().equals(c.remote()) || w.value().equals(c.result()));
                if (!onServer && !overwritten && !onRecord) {
                    out.add(violation(w.doc(), "write " + w.value() + " of " + w.replica() + " (acknowledged, history #"
                            + w.seq() + ") is neither on the server (" + describe(s) + "), nor overwritten knowingly,"
                            + " nor in any conflict or failed operation"));
                }
            } else {
                // The delete removed what its replica held (its prior). It is undone when the server
                // holds that value, an older one, or one made on top of it (without seeing the delete);
                // a value of another lineage (a concurrent create, a re-create on the tombstone) is not
                // what was deleted.
                boolean undone = s != null && !s.deleted() && s.value() != null && w.prior() != null
                        && (causal.atOrBefore(s.value(), w.prior()) || causal.atOrBefore(w.prior(), s.value()));
                boolean followed = causal.writesAfter(w.doc(), w.seq()).stream()
                        .anyMatch(later -> causal.onTombstone(later, w.replica()));
                boolean onRecord = conflicts.stream().anyMatch(c -> c.local() == null || c.remote() == null);
                if (undone && !followed && !onRecord) {
                    out.add(violation(w.doc(), "delete of " + w.prior() + " by " + w.replica() + " (acknowledged, history #"
                            + w.seq() + ") is undone on the server (" + describe(s) + "), with no later write on a"
                            + " tombstone and no conflict or failed operation on record"));
                }
            }
        }
        return out;
    }

    static String describe(FinalState.ServerDoc s) {
        return s == null ? "absent" : s.deleted() ? "deleted at version " + s.version() : s.value() + " at version " + s.version();
    }
}
