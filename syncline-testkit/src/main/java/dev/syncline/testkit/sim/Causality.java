package dev.syncline.testkit.sim;

import dev.syncline.testkit.sim.History.Kind;
import dev.syncline.testkit.sim.History.Write;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a history says about which value was written knowing which: each write records the value
 * its replica held before ({@link Write#prior()}), so following priors gives the values a value was
 * made on top of. Two values of a document are concurrent when neither is an ancestor of the
 * other. Values are unique tags, so a value names its write.
 */
final class Causality {
    private final Map<String, Write> byValue = new HashMap<>();
    private final History history;

    Causality(History history) {
        this.history = history;
        for (Write w : history.writes()) {
            if (w.value() != null) {
                byValue.putIfAbsent(w.value(), w);
            }
        }
    }

    /** @return the write of {@code value}, or null */
    Write writeOf(String value) {
        return value == null ? null : byValue.get(value);
    }

    /** @return the replica that wrote {@code value}, or null */
    String writerOf(String value) {
        Write w = writeOf(value);
        return w == null ? null : w.replica();
    }

    /** @return {@code value} and every value it was made on top of, transitively */
    Set<String> selfAndAncestors(String value) {
        Set<String> out = new HashSet<>();
        String v = value;
        while (v != null && out.add(v)) {
            Write w = byValue.get(v);
            v = w == null ? null : w.prior();
        }
        return out;
    }

    /** @return true when {@code older} is {@code newer} or one of the values it was made on */
    boolean atOrBefore(String older, String newer) {
        return older != null && newer != null && selfAndAncestors(newer).contains(older);
    }

    /** @return true when {@code value} was made knowing {@code w} (a later write whose ancestry holds its value, or its prior for a delete) */
    boolean knownBy(Write w, String value) {
        String mark = w.kind() == Kind.PUT ? w.value() : w.prior();
        return atOrBefore(mark, value);
    }

    /**
     * @return true when a conflict at {@code replica} was between two sides one of which already
     *     held the other: the replica's own echo, or a value made on top of the local one
     */
    boolean causallyOrdered(String replica, FinalState.Conflict c) {
        if (c.local() != null && c.remote() != null) {
            return c.local().equals(c.remote()) || atOrBefore(c.local(), c.remote()) || atOrBefore(c.remote(), c.local());
        }
        if (c.local() == null && c.remote() != null) {
            // Deleted here: ordered when some delete of this replica was made on top of the remote value.
            for (Write w : history.writes(c.doc())) {
                if (w.replica().equals(replica) && w.kind() == Kind.DELETE && atOrBefore(c.remote(), w.prior())) {
                    return true;
                }
            }
            return false;
        }
        return false; // a tombstone on the server cannot be told apart: assume it was concurrent
    }

    /**
     * @return the server version the writer held of the document just before {@code w} (the read
     *     recorded right before it), 0 when unknown or never on the server
     */
    long priorVersion(Write w) {
        long v = 0;
        for (History.Event e : history.events()) {
            if (e.seq() >= w.seq()) {
                break;
            }
            if (e instanceof History.Read r && r.replica().equals(w.replica()) && r.doc().equals(w.doc())) {
                v = r.version();
            }
        }
        return v;
    }

    /** @return true when {@code w} was written on a tombstone its replica held (or on its own delete) */
    boolean onTombstone(Write w, String deleter) {
        return w.prior() == null && (w.replica().equals(deleter) || priorVersion(w) > 0);
    }

    /** @return every write of {@code doc} after {@code seq}, in order */
    List<Write> writesAfter(String doc, long seq) {
        return history.writes(doc).stream().filter(w -> w.seq() > seq).toList();
    }
}
