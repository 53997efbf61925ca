package dev.syncline.core.protocol;

/**
 * The body of every non-2xx response: {@code {"error": {"code", "message"}}}.
 *
 * @param error the error
 */
public record ErrorBody(ErrorDetail error) {
    /** @return a body for {@code code} and {@code message} */
    public static ErrorBody of(String code, String message) {
        return new ErrorBody(new ErrorDetail(code, message));
    }
}
