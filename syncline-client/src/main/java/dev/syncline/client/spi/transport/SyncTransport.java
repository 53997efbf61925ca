package dev.syncline.client.spi.transport;

import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One replica's link to the sync server, as the protocol ({@code PROTOCOL.md}) defines it:
 * {@code POST /v1/push}, {@code GET /v1/pull}, {@code GET /v1/stream} and {@code GET /v1/health}.
 * The client decides which token a request carries, what a failure means and when to retry; an
 * implementation only sends and reads, and reports every failure as a {@link TransportException}
 * whose kind follows the protocol's error table (network error, timeout or 5xx:
 * {@link TransportException.Kind#TRANSIENT} with status 0 for the network; 429 and 503:
 * {@link TransportException.Kind#SLOW_DOWN} with the Retry-After; 400, 413, 415:
 * {@link TransportException.Kind#BAD_REQUEST}; 401: {@link TransportException.Kind#UNAUTHORIZED}).
 *
 * <p>The client closes a transport it made through a {@link SyncTransportFactory} when the client
 * closes. An implementation stops then every thread it started and releases what it opened, but
 * nothing it was handed (an app's own HTTP client stays open).
 *
 * <p>Implementations must be thread-safe: pushes, pulls, probes and one stream run at once on
 * different threads.
 */
public interface SyncTransport extends AutoCloseable {
    /**
     * Sends one push request without waiting for the answer.
     *
     * @param token the bearer token the request carries, or null for none
     * @param body a push request as JSON (the protocol's {@code PushRequest}), sent as it is
     * @return the answer; completes exceptionally with a {@link TransportException} (never throws)
     */
    CompletableFuture<PushResponse> push(String token, byte[] body);

    /**
     * Pulls one page of the change feed; blocks until it arrives.
     *
     * @param token the bearer token the request carries, or null for none
     * @param cursor the stored cursor, or null from the beginning
     * @param limit page size, 1 to 1000
     * @return the page
     * @throws TransportException when there is no usable answer
     */
    PullPage pull(String token, String cursor, int limit);

    /**
     * Asks whether the server is reachable and healthy ({@code /v1/health}, no token); blocks for
     * at most about {@code timeout}.
     *
     * @param timeout time allowed for the answer
     * @throws TransportException when the server is not reachable or not healthy
     */
    void probe(Duration timeout);

    /**
     * Opens the live stream ({@code /v1/stream}) and reads it on the calling thread until it ends,
     * breaks, or {@link LiveStream#close()} of the handle given to {@link StreamListener#opened}
     * is called from another thread. The server must answer (with the response head) within the
     * transport's request timeout, so a stream opened into a dead link fails rather than waits.
     *
     * @param token the bearer token the request carries, or null for none
     * @param listener told about the open stream, each line (heartbeats included) and each poke,
     *     on the calling thread
     * @throws TransportException when the stream cannot be opened, or breaks (also when it is
     *     closed through its handle)
     */
    void stream(String token, StreamListener listener);

    /**
     * Stops what this transport started (threads, connections) and releases what it opened.
     * Requests still waiting for an answer fail at once with a {@link TransportException} (a sync
     * running on another thread must not wait forever), and so do calls after close. Idempotent;
     * never throws.
     */
    @Override
    void close();
}
