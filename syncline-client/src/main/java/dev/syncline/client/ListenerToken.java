package dev.syncline.client;

/**
 * The handle a listener registration returns: closing it removes the listener. Closing twice, or
 * after the client closed, does nothing. Once {@link #close()} returns, the listener is not called
 * again (a call already running on another thread may still finish).
 *
 * <p>This is the one cancellation handle of the public API (Couchbase Lite's {@code ListenerToken}),
 * so the library runs where {@code java.util.concurrent.Flow} is absent; publishers live in
 * adapters built on it.
 *
 * <p>Thread-safe.
 */
@FunctionalInterface
public interface ListenerToken extends AutoCloseable {
    /** Removes the listener. Never throws. */
    @Override
    void close();
}
