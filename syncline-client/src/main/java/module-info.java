/**
 * The Syncline client library: {@code dev.syncline.client} is its whole API ({@code SyncClient},
 * repositories, the outbox, conflicts, status and listeners). Everything under
 * {@code dev.syncline.client.internal} (store, outbox, sync engine, transport, watch, events) is
 * not exported and may change in any release.
 */
module dev.syncline.client {
    requires transitive dev.syncline.core;
    requires java.net.http;
    requires java.sql;
    requires org.slf4j;
    requires org.xerial.sqlitejdbc;

    exports dev.syncline.client;
}
