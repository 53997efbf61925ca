package dev.syncline.client.spi.transport;

import dev.syncline.core.SynclineException;
import java.time.Duration;

/**
 * A request to the sync server did not get a usable answer. {@link #kind()} says what the client
 * does about it, following the error table of the protocol ({@code PROTOCOL.md}). A
 * {@link SyncTransport} throws it (or completes a push with it) for every failure: a network
 * error or timeout is {@link Kind#TRANSIENT} with status 0, and code {@code "connect"} when no
 * connection could be made at all (so no byte of the request left).
 *
 * <p>Immutable and thread-safe.
 */
public final class TransportException extends SynclineException {
    /** What a failure means for the caller. */
    public enum Kind {
        /** Network error, timeout or 5xx: retry with backoff and jitter; operations stay queued. */
        TRANSIENT,
        /** 429 or 503: retry after {@link #retryAfter()}. */
        SLOW_DOWN,
        /** 400, 413 or 415: the request is wrong; fail its operations, do not retry as is. */
        BAD_REQUEST,
        /** 401: stop syncing until the app supplies a new token. */
        UNAUTHORIZED
    }

    private final Kind kind;
    private final int status;
    private final String code;
    private final Duration retryAfter;

    /**
     * @param kind what it means
     * @param status HTTP status, 0 for a network error
     * @param code the server's error code, or a local one
     * @param message for a human
     * @param retryAfter the server's Retry-After, or null
     * @param cause the underlying error, or null
     * @throws dev.syncline.core.InvalidInputException when {@code kind} is null
     */
    public TransportException(Kind kind, int status, String code, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        if (kind == null) {
            throw new dev.syncline.core.InvalidInputException("invalid_input", "transport failure kind is null");
        }
        this.kind = kind;
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** @return what the failure means */
    public Kind kind() {
        return kind;
    }

    /** @return the HTTP status, 0 for a network error */
    public int status() {
        return status;
    }

    /** @return the error code */
    public String code() {
        return code;
    }

    /** @return the server's Retry-After, or null */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * @return true when the request certainly did not reach the server's application: no
     *     connection could be made, or the server refused it unread (401, 429)
     */
    public boolean neverDelivered() {
        return "connect".equals(code) || status == 401 || status == 429;
    }
}
