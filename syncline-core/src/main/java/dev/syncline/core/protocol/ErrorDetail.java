package dev.syncline.core.protocol;

/**
 * An error: a stable snake_case code for programs and a message for people.
 *
 * @param code such as {@code bad_request}, {@code forbidden}, {@code invalid_name}
 * @param message what is wrong, for a human
 */
public record ErrorDetail(String code, String message) {
}
