package dev.syncline.client.spi.transport;

/**
 * An open live stream, handed to {@link StreamListener#opened}. Thread-safe.
 */
@FunctionalInterface
public interface LiveStream {
    /**
     * Ends the stream: the reading thread's {@link SyncTransport#stream} call returns or throws
     * soon after. Idempotent; never throws.
     */
    void close();
}
