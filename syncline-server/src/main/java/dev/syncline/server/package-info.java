/**
 * The Syncline sync server: build one with {@link dev.syncline.server.SyncServer#builder()}, mint
 * tokens with {@link dev.syncline.server.Tokens}. Everything under {@code .internal} is not API.
 */
package dev.syncline.server;
