package dev.syncline.client.spi.transport;

/**
 * Makes the transport of one client, from the client's settings; given to
 * {@link dev.syncline.client.SyncClientBuilder#transport}. The client calls it once, when built
 * with a server, and closes the transport it returns when the client closes.
 *
 * <p>Must be thread-safe when shared by several builders.
 */
@FunctionalInterface
public interface SyncTransportFactory {
    /**
     * @param settings the server's URL and the timeouts set on the builder
     * @return a new transport (never null)
     * @throws dev.syncline.core.InvalidInputException when a setting does not suit this transport
     */
    SyncTransport create(TransportSettings settings);
}
