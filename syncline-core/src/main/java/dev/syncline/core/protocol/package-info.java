/**
 * Protocol v1 as Java records: what a Syncline client and server send each other over HTTP.
 * Every record here maps one-to-one onto the JSON of {@code docs/protocol.md} through
 * {@link dev.syncline.core.Json}. Records are immutable and thread-safe.
 */
package dev.syncline.core.protocol;
