package dev.syncline.client.internal.store;

import dev.syncline.core.SynclineException;

/** The local SQLite file could not be read or written; the transaction was rolled back. */
public final class LocalStoreException extends SynclineException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was being done, naming the file or entity
     * @param cause the SQLite failure
     */
    public LocalStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
