package dev.syncline.testkit.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happened in one simulation run, in the order it happened: every write a replica was asked
 * to make and whether it answered (acknowledged = the local write returned), every read of a
 * document, every sync and how it ended, every fault injected, and how long each replica took to
 * drain its queue after the network healed. The {@link Checker checkers} judge it together with
 * the {@link FinalState}.
 *
 * <p>Documents are named {@code type/id}; a written value is a unique tag (who wrote what is in
 * the history), a delete has no value.
 *
 * <p>Thread-safe: events may be recorded from several threads; {@link #events()} is a snapshot.
 */
public final class History {
    /** One recorded event; {@code seq} orders events as they were recorded. */
    public sealed interface Event permits Write, Read, Sync, Fault, Drain, Stamp {
        /** @return position in the history, from 0 */
        long seq();
    }

    /** Put or delete. */
    public enum Kind {
        /** Create or replace with a value. */
        PUT,
        /** Delete (a tombstone). */
        DELETE
    }

    /**
     * A write a replica was asked to make.
     *
     * @param seq position
     * @param replica who wrote
     * @param doc {@code type/id}
     * @param kind put or delete
     * @param value the tag written; null for a delete
     * @param prior the value the replica held before (null: absent or deleted)
     * @param acked true when the local write returned; false when it failed or the process died
     *     before saying so (it may still have been written)
     */
    public record Write(long seq, String replica, String doc, Kind kind, String value, String prior, boolean acked)
            implements Event {
    }

    /**
     * A read of one document on one replica.
     *
     * @param seq position
     * @param replica who read
     * @param doc {@code type/id}
     * @param value the tag read; null when absent or deleted
     * @param version the server version the replica had seen for it (0: none)
     */
    public record Read(long seq, String replica, String doc, String value, long version) implements Event {
    }

    /**
     * A sync run.
     *
     * @param seq position
     * @param replica who synced
     * @param outcome how it ended ({@code CAUGHT_UP}, {@code UNREACHABLE}, ..., or {@code KILLED})
     * @param network the network's state during it (such as {@code PASS}, {@code DROP_RESPONSES /v1/push})
     * @param error the error it reported, or null
     */
    public record Sync(long seq, String replica, String outcome, String network, String error) implements Event {
    }

    /**
     * A fault injected.
     *
     * @param seq position
     * @param kind what kind (counted by {@link #faultCounts()})
     * @param detail which replica or server, and how
     */
    public record Fault(long seq, String kind, String detail) implements Event {
    }

    /**
     * How a replica's queue drained after the network healed.
     *
     * @param seq position
     * @param replica who
     * @param took time from healing until its outbox was empty and it had pulled to the end
     * @param drained false when it never got there within the time allowed
     */
    public record Drain(long seq, String replica, Duration took, boolean drained) implements Event {
    }

    /**
     * The HLC stamp a replica gave one of its acknowledged writes, with what bounds it.
     *
     * @param seq position
     * @param replica who wrote
     * @param doc {@code type/id}
     * @param hlc the stamp of the write
     * @param clockMillis the replica's wall clock, read just after the write returned
     * @param seenHlc the highest stamp the replica held before the write (on any of its documents
     *     or open conflicts), or null when none
     */
    public record Stamp(long seq, String replica, String doc, String hlc, long clockMillis, String seenHlc)
            implements Event {
    }

    private final List<Event> events = new ArrayList<>();
    private final Map<String, Long> extraFaults = new TreeMap<>();

    /** Records a write; returns it. */
    public synchronized Write write(String replica, String doc, Kind kind, String value, String prior, boolean acked) {
        Write w = new Write(events.size(), replica, doc, kind, value, prior, acked);
        events.add(w);
        return w;
    }

    /** Records a read; returns it. */
    public synchronized Read read(String replica, String doc, String value, long version) {
        Read r = new Read(events.size(), replica, doc, value, version);
        events.add(r);
        return r;
    }

    /** Records a sync; returns it. */
    public synchronized Sync sync(String replica, String outcome, String network, String error) {
        Sync s = new Sync(events.size(), replica, outcome, network, error);
        events.add(s);
        return s;
    }

    /** Records a fault; returns it. */
    public synchronized Fault fault(String kind, String detail) {
        Fault f = new Fault(events.size(), kind, detail);
        events.add(f);
        return f;
    }

    /**
     * Adds {@code n} faults of {@code kind} injected by something that counts them itself (the
     * proxy's response drops, for example), without an event each.
     */
    public synchronized void countFaults(String kind, long n) {
        if (n > 0) {
            extraFaults.merge(kind, n, Long::sum);
        }
    }

    /** Records a write's stamp; returns it. */
    public synchronized Stamp stamp(String replica, String doc, String hlc, long clockMillis, String seenHlc) {
        Stamp st = new Stamp(events.size(), replica, doc, hlc, clockMillis, seenHlc);
        events.add(st);
        return st;
    }

    /** Records a drain; returns it. */
    public synchronized Drain drain(String replica, Duration took, boolean drained) {
        Drain d = new Drain(events.size(), replica, took, drained);
        events.add(d);
        return d;
    }

    /** @return a snapshot of every event, in order */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** @return the events of one class, in order */
    public <E extends Event> List<E> events(Class<E> type) {
        return events().stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** @return every write (acknowledged or not), in order */
    public List<Write> writes() {
        return events(Write.class);
    }

    /** @return the writes to {@code doc}, in order */
    public List<Write> writes(String doc) {
        return writes().stream().filter(w -> w.doc().equals(doc)).toList();
    }

    /** @return every document written, sorted */
    public List<String> documents() {
        return writes().stream().map(Write::doc).distinct().sorted().toList();
    }

    /** @return the replica that wrote {@code value}, or null when nobody did */
    public String writerOf(String value) {
        if (value == null) {
            return null;
        }
        return writes().stream().filter(w -> value.equals(w.value())).map(Write::replica).findFirst().orElse(null);
    }

    /** @return the replicas that wrote {@code doc} (asked to, acknowledged or not) */
    public List<String> writersOf(String doc) {
        return writes(doc).stream().map(Write::replica).distinct().sorted().toList();
    }

    /** @return the replicas that deleted {@code doc} */
    public List<String> deletersOf(String doc) {
        return writes(doc).stream().filter(w -> w.kind() == Kind.DELETE).map(Write::replica).distinct().sorted().toList();
    }

    /** @return faults injected, by kind: the fault events plus those {@link #countFaults counted} */
    public synchronized Map<String, Long> faultCounts() {
        Map<String, Long> out = new TreeMap<>(extraFaults);
        for (Event e : events) {
            if (e instanceof Fault f) {
                out.merge(f.kind(), 1L, Long::sum);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** @return a readable dump of the events touching {@code doc} (its writes and reads) plus every sync and fault */
    public String describe(String doc) {
        StringBuilder sb = new StringBuilder();
        for (Event e : events()) {
            boolean about = e instanceof Write w ? w.doc().equals(doc) : e instanceof Read r ? r.doc().equals(doc)
                    : e instanceof Stamp st ? st.doc().equals(doc) : true;
            if (about && !(e instanceof Drain)) {
                sb.append("  ").append(e).append('\n');
            }
        }
        return sb.toString();
    }
}
