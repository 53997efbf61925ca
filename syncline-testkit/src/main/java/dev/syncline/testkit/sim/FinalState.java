package dev.syncline.testkit.sim;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What was left when a simulation run ended: the server's documents (read by pulling the server
 * directly, not through any replica) and each replica's live documents, conflicts and queue.
 * Immutable.
 *
 * @param server the server's latest state of every document, by {@code type/id}
 * @param replicas every replica, by name
 */
public record FinalState(Map<String, ServerDoc> server, Map<String, Replica> replicas) {
    /** Copies both maps (sorted). */
    public FinalState {
        server = Map.copyOf(new TreeMap<>(server));
        replicas = Map.copyOf(new TreeMap<>(replicas));
    }

    /**
     * One document as the server holds it.
     *
     * @param doc {@code type/id}
     * @param version its version (1 after a create, +1 per accepted write)
     * @param deleted true for a tombstone
     * @param value its tag; null for a tombstone
     */
    public record ServerDoc(String doc, long version, boolean deleted, String value) {
    }

    /**
     * A conflict a replica recorded, settled or still open.
     *
     * @param doc {@code type/id}
     * @param conflictType such as {@code concurrentModification}, {@code deletedLocally}
     * @param local this replica's side (null: deleted here)
     * @param remote the server's side (null: deleted there, or absent)
     * @param result what was kept (null: deleted, or still open)
     * @param open true while it waits for a person
     */
    public record Conflict(String doc, String conflictType, String local, String remote, String result, boolean open) {
    }

    /**
     * An operation the replica gave up on (a dead letter).
     *
     * @param doc {@code type/id}
     * @param value its tag; null for a delete
     * @param error why
     */
    public record FailedOp(String doc, String value, String error) {
    }

    /**
     * One replica at the end.
     *
     * @param name its name in the history
     * @param live its live documents, {@code type/id} to tag
     * @param conflicts every conflict it recorded (settled and open)
     * @param failed its dead letters
     * @param pending operations still queued
     */
    public record Replica(String name, Map<String, String> live, List<Conflict> conflicts, List<FailedOp> failed,
            long pending) {
        /** Copies the collections. */
        public Replica {
            Objects.requireNonNull(name, "name");
            live = Map.copyOf(new TreeMap<>(live));
            conflicts = List.copyOf(conflicts);
            failed = List.copyOf(failed);
        }
    }

    /** @return the server's live documents, {@code type/id} to tag */
    public Map<String, String> serverLive() {
        Map<String, String> out = new TreeMap<>();
        server.values().stream().filter(d -> !d.deleted()).forEach(d -> out.put(d.doc(), d.value()));
        return out;
    }

    /** @return every conflict recorded on {@code doc}, at any replica */
    public List<Conflict> conflictsOn(String doc) {
        return replicas.values().stream().flatMap(r -> r.conflicts().stream()).filter(c -> c.doc().equals(doc)).toList();
    }
}
