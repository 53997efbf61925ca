package dev.syncline.server.internal.service;

import java.util.function.BiConsumer;

/**
 * Tells listeners that a scope's feed moved. The in-process notifier calls listeners directly; the
 * PostgreSQL one also carries the news to the other server instances on the same database.
 * Implementations are thread-safe.
 */
public interface Notifier extends AutoCloseable {
    /** Announces that {@code scope}'s feed reached {@code seq}. Never blocks on listeners. */
    void publish(String scope, long seq);

    /**
     * Adds a listener called with (scope, seq) for every announcement, from any instance.
     *
     * @return closing it removes the listener
     */
    AutoCloseable subscribe(BiConsumer<String, Long> listener);

    @Override
    void close();
}
