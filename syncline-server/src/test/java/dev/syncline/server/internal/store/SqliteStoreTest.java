package dev.syncline.server.internal.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded SQLite store. */
class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store openFresh() {
        return SqliteStore.open(dir.resolve("data"));
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return SqliteStore.open(dir.resolve("data"));
    }
}
