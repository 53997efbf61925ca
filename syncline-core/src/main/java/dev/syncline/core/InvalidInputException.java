package dev.syncline.core;

/**
 * A caller passed a value that breaks a documented rule (a name, a size, a missing field).
 * Nothing was written when this is thrown. {@link #code()} is the protocol's snake_case code.
 */
public class InvalidInputException extends SynclineException {
    private static final long serialVersionUID = 1L;
    private final String code;

    /**
     * @param code protocol error code, such as {@code invalid_name}
     * @param message what is wrong, naming the field
     */
    public InvalidInputException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** @return the protocol error code, such as {@code invalid_name} or {@code too_large} */
    public String code() {
        return code;
    }
}
