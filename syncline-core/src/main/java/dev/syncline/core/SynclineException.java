package dev.syncline.core;

/**
 * The one unchecked root of every exception Syncline throws for a bug or a bad argument.
 * Expected outcomes (a conflict, a rejected operation) are values, never exceptions.
 */
public class SynclineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the thing involved */
    public SynclineException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the thing involved
     * @param cause the underlying failure
     */
    public SynclineException(String message, Throwable cause) {
        super(message, cause);
    }
}
