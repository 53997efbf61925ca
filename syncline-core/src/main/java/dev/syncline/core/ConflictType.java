package dev.syncline.core;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a local pending change and the server's current state relate. Detected from server
 * versions, never from clocks: there is a conflict only when the server moved past the version the
 * local change was made on.
 */
public enum ConflictType {
    /** Both sides changed the document since the common base. */
    CONCURRENT_MODIFICATION("concurrentModification"),
    /** This replica deleted the document; the server has a newer edit of it. */
    DELETED_LOCALLY("deletedLocally"),
    /** The server deleted the document; this replica has a pending edit of it. */
    DELETED_REMOTELY("deletedRemotely"),
    /** Only this replica changed it since the base: no conflict, the local change goes up. */
    LOCAL_NEWER("localNewer"),
    /** Only the server changed it: no conflict, the remote state comes down. */
    REMOTE_NEWER("remoteNewer");

    private final String wire;

    ConflictType(String wire) {
        this.wire = wire;
    }

    /** @return the name used in JSON and on the command line */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return true for the types where both sides changed and a policy (or a person) must decide */
    public boolean isConflict() {
        return this == CONCURRENT_MODIFICATION || this == DELETED_LOCALLY || this == DELETED_REMOTELY;
    }

    /**
     * The seed's {@code conflictType.requiresUserInput}: true when both sides changed the document
     * (an edit against an edit, or an edit against a delete), so neither can simply be taken and
     * the choice is a person's unless the type's policy makes it; false when only one side moved.
     * A conflict waiting in the inbox (policy {@code manual}) always has such a type.
     *
     * @return whether a person (or a policy standing in for one) must choose
     */
    public boolean requiresUserInput() {
        return isConflict();
    }

    /**
     * Classifies from versions and deletion flags.
     *
     * @param baseVersion the server version the local change was made on
     * @param localPending true when this replica has a change not yet on the server
     * @param localDeleted true when the local change is a delete
     * @param remoteVersion the server's current version
     * @param remoteDeleted true when the server's current state is a tombstone
     * @return the relation, or null when both sides agree (nothing to do)
     */
    public static ConflictType classify(long baseVersion, boolean localPending, boolean localDeleted,
            long remoteVersion, boolean remoteDeleted) {
        boolean remoteMoved = remoteVersion != baseVersion;
        if (!localPending) {
            return remoteMoved ? REMOTE_NEWER : null;
        }
        if (!remoteMoved) {
            return LOCAL_NEWER;
        }
        if (localDeleted && !remoteDeleted) {
            return DELETED_LOCALLY;
        }
        if (remoteDeleted && !localDeleted) {
            return DELETED_REMOTELY;
        }
        return CONCURRENT_MODIFICATION;
    }
}
