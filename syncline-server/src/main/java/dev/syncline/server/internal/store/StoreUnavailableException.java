package dev.syncline.server.internal.store;

import dev.syncline.core.SynclineException;

/** The database could not be reached or answered with a transient error; retry later. */
public class StoreUnavailableException extends SynclineException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed; @param cause the driver's exception */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
