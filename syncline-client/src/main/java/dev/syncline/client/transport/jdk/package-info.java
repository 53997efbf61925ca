/**
 * The JVM implementation of the transport seam ({@link dev.syncline.client.spi.transport}) over
 * the JDK {@code java.net.http.HttpClient}. The only package of the client that uses
 * {@code java.net.http}.
 */
package dev.syncline.client.transport.jdk;
