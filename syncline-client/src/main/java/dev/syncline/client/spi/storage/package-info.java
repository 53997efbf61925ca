/**
 * The storage driver seam: the small part of SQLite the client needs (open a file, prepared
 * statements with parameters and result rows, {@code BEGIN IMMEDIATE}/commit/rollback, the WAL
 * and synchronous settings, close). The JVM implementation wraps the xerial sqlite-jdbc driver;
 * another platform (Android's {@code android.database.sqlite}) implements these interfaces and
 * passes {@code StorageDriverContract} from the client's test sources. No {@code java.sql} type
 * appears here.
 */
package dev.syncline.client.spi.storage;
