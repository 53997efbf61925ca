package dev.syncline.core;

import java.util.regex.Pattern;

/**
 * The naming rules of protocol v1 for scopes, types and document ids. Thread-safe (stateless).
 */
public final class Names {
    private static final Pattern SCOPE_OR_TYPE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private Names() {
    }

    /** @return true when {@code s} is a valid scope name ({@code [a-z0-9][a-z0-9_.-]{0,63}}) */
    public static boolean isValidScope(String s) {
        return s != null && SCOPE_OR_TYPE.matcher(s).matches();
    }

    /** @return true when {@code s} is a valid type name (same rule as scopes) */
    public static boolean isValidType(String s) {
        return isValidScope(s);
    }

    /** @return true when {@code s} is a valid document id ({@code [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}}) */
    public static boolean isValidId(String s) {
        return s != null && ID.matcher(s).matches();
    }

    /**
     * Checks a scope name.
     *
     * @return the scope, unchanged
     * @throws InvalidInputException with code {@code invalid_name} when it breaks the rule
     */
    public static String requireScope(String scope) {
        if (!isValidScope(scope)) {
            throw new InvalidInputException("invalid_name", describe("scope", scope, SCOPE_OR_TYPE));
        }
        return scope;
    }

    /**
     * Checks a type name.
     *
     * @return the type, unchanged
     * @throws InvalidInputException with code {@code invalid_name} when it breaks the rule
     */
    public static String requireType(String type) {
        if (!isValidType(type)) {
            throw new InvalidInputException("invalid_name", describe("type", type, SCOPE_OR_TYPE));
        }
        return type;
    }

    /**
     * Checks a document id.
     *
     * @return the id, unchanged
     * @throws InvalidInputException with code {@code invalid_name} when it breaks the rule
     */
    public static String requireId(String id) {
        if (!isValidId(id)) {
            throw new InvalidInputException("invalid_name", describe("id", id, ID));
        }
        return id;
    }

    private static String describe(String what, String value, Pattern rule) {
        if (value == null) {
            return what + " is missing";
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return what + " '" + shown + "' (" + value.length() + " characters) does not match " + rule.pattern();
    }
}
