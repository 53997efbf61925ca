/**
 * The Syncline client library. Its API is {@code dev.syncline.client} ({@code SyncClient},
 * repositories, the outbox, conflicts, status and listeners) and the service-provider interfaces
 * under {@code dev.syncline.client.spi} (storage and transport drivers, for platforms such as
 * Android). Everything under
 * {@code dev.syncline.client.internal} (store, outbox, sync engine, transport, watch, events) is
 * not exported and may change in any release.
 */
module dev.syncline.client {
    requires transitive dev.syncline.core;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires java.net.http;
    requires java.sql;
    requires org.slf4j;
    requires org.xerial.sqlitejdbc;

    exports dev.syncline.client;
    exports dev.syncline.client.flow;
    exports dev.syncline.client.spi.storage;
    exports dev.syncline.client.spi.transport;
    exports dev.syncline.client.transport.jdk;
}
