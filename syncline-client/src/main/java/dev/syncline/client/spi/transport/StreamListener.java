package dev.syncline.client.spi.transport;

import dev.syncline.core.protocol.Poke;

/**
 * Told what the live stream brings, on the thread that reads it ({@link SyncTransport#stream}).
 * Each method must be quick and must not throw; one that throws ends the stream with a
 * {@link TransportException}.
 */
public interface StreamListener {
    /**
     * The server answered and the stream is open.
     *
     * @param stream closing it (from any thread) ends the stream
     */
    void opened(LiveStream stream);

    /** A line arrived (a heartbeat comment included): the stream is alive. */
    void line();

    /**
     * A poke arrived: the scope's feed reached {@code poke.seq()}.
     *
     * @param poke as the server sent it
     */
    void poke(Poke poke);
}
