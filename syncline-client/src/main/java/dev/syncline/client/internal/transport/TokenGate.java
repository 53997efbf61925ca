package dev.syncline.client.internal.transport;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Which bearer token the next request carries, and whether the server refused it. A 401 marks
 * the token that request carried as refused (not the token the provider returns by the time the
 * answer comes: the app may have refreshed it meanwhile), and {@link #refused()} stays true until
 * the provider returns another token or {@link #forget()} is called. Kept out of the transports
 * so that every {@link dev.syncline.client.spi.transport.SyncTransport} gets it the same way.
 *
 * <p>Thread-safe.
 */
public final class TokenGate {
    private final Supplier<String> tokens;
    /** The token of the last 401 (its {@code token} null when the request carried none), or null. */
    private volatile Refused refusedToken;

    private record Refused(String token) {
    }

    /** @param tokens supplies the bearer token for each request (may return null: then 401 follows) */
    public TokenGate(Supplier<String> tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** @return the token the next request will carry (may be null) */
    public String current() {
        return tokens.get();
    }

    /** The server answered 401 to a request that carried {@code token} (null: none). */
    public void refuse(String token) {
        refusedToken = new Refused(token);
    }

    /** @return true while the token the next request would carry is one the server refused (401) */
    public boolean refused() {
        Refused r = refusedToken;
        return r != null && Objects.equals(r.token(), tokens.get());
    }

    /** Forgets the refused token: the app says its provider has a new one. */
    public void forget() {
        refusedToken = null;
    }
}
