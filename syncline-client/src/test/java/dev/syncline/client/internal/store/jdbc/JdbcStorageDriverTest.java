package dev.syncline.client.internal.store.jdbc;

import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.storage.StorageDriverContract;

/** The storage driver contract, run against the JVM's xerial sqlite-jdbc driver. */
class JdbcStorageDriverTest extends StorageDriverContract {
    @Override
    protected StorageDriver driver() {
        return new JdbcStorageDriver();
    }
}
