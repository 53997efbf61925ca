/**
 * The transport seam under the sync engine: how a replica talks to the sync server (push, pull,
 * the live stream, a reachability probe) without saying over what. The client's sync engine,
 * background coordinator and network state use only {@link dev.syncline.client.spi.transport.SyncTransport};
 * the JVM implementation over the JDK {@code HttpClient} is
 * {@link dev.syncline.client.transport.jdk.JdkHttpTransport}, and another platform (OkHttp,
 * Android) supplies its own through {@link dev.syncline.client.SyncClientBuilder#transport}.
 *
 * <p>Nothing here uses {@code java.net.http}, {@code java.util.concurrent.Flow} or
 * {@code java.util.random}. Requests and answers are the protocol's JSON bodies and the records
 * of {@code dev.syncline.core.protocol} ({@code PROTOCOL.md}); an implementation speaks the wire
 * and nothing more (tokens, retries and backoff stay in the client).
 */
package dev.syncline.client.spi.transport;
