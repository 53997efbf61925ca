package dev.syncline.server.internal.service;

/**
 * Names of the server's own Micrometer meters, in one place because two sides use them: the HTTP
 * layer and the server register them, the admin overview reads them. Prometheus shows them with
 * dots as underscores ({@code syncline_push_seconds}, ...); docs/operations.md lists them.
 */
public final class Meters {
    /** Timer of served push requests. */
    public static final String PUSH = "syncline.push";
    /** Timer of served pull requests. */
    public static final String PULL = "syncline.pull";
    /** Counter of pushed operations, tagged {@code status} = applied, conflict or rejected. */
    public static final String PUSH_OPS = "syncline.push.ops";
    /** Gauge of open {@code /v1/stream} connections on this instance. */
    public static final String STREAM_CLIENTS = "syncline.stream.clients";
    /** Gauge, PostgreSQL only: 1 while this instance listens for the other instances' commits. */
    public static final String NOTIFIER_LISTENING = "syncline.notifier.listening";

    private Meters() {
    }
}
