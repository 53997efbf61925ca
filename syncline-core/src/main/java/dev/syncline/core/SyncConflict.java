package dev.syncline.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A conflict between this replica's pending change and the server's state of one document, as a
 * resolver or a person sees it, as JSON. Immutable (do not modify the JSON objects: copy one to
 * build a resolution) and thread-safe. The client's {@code Repository.conflict(...)} gives the same
 * conflict with the app's entity class ({@code TypedConflict<T>}).
 *
 * @param conflictId id, stable while the conflict is open (null while a policy is deciding it)
 * @param scope scope
 * @param type type
 * @param id document id
 * @param conflictType how the two sides relate
 * @param local this replica's data (null: deleted here)
 * @param remote the server's data (null: deleted on the server, or never there)
 * @param base the server data the local change was made on (null: none)
 * @param localHlc HLC stamp of the local change
 * @param remoteHlc HLC stamp of the server's write (null when the server has no document)
 * @param remoteVersion the server's version
 */
public record SyncConflict(String conflictId, String scope, String type, String id, ConflictType conflictType,
        ObjectNode local, ObjectNode remote, ObjectNode base, String localHlc, String remoteHlc, long remoteVersion) {
    /** @return {@link ConflictType#requiresUserInput()} of this conflict's type */
    public boolean requiresUserInput() {
        return conflictType.requiresUserInput();
    }
}
