package dev.syncline.server.internal.http;

import dev.syncline.core.SynclineException;

/** A request failed with an HTTP status and a protocol error code; becomes the error body. */
public final class ApiException extends SynclineException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    /**
     * @param status HTTP status
     * @param code snake_case error code
     * @param message for a human
     */
    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the error code */
    public String code() {
        return code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }
}
