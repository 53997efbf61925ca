package dev.syncline.testkit.sim;

/**
 * A property a run broke.
 *
 * @param checker the checker's name, such as {@code no-lost-write}
 * @param doc the document concerned ({@code type/id}), or null when about a replica as a whole
 * @param message what is wrong, for a person
 */
public record Violation(String checker, String doc, String message) {
    @Override
    public String toString() {
        return checker + (doc == null ? "" : " " + doc) + ": " + message;
    }
}
