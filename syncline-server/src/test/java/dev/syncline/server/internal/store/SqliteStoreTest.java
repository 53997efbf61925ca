package dev.syncline.server.internal.store;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded SQLite store. */
class SqliteStoreTest extends StoreContract {
    @TempDir
    Path dir;
    private Store migrated;

    @Override
    protected Store openFresh() {
        return SqliteStore.open(dir.resolve("data"));
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return SqliteStore.open(dir.resolve("data"));
    }

    @Override
    protected Store openAfterFillingSchemaV1(SqlWork fill) throws Exception {
        Path v1 = Files.createDirectories(dir.resolve("v1"));
        fillAtSchemaV1("jdbc:sqlite:" + v1.resolve(SqliteStore.FILE_NAME), "classpath:db/sqlite", fill);
        migrated = SqliteStore.open(v1);
        return migrated;
    }

    @AfterEach
    void closeMigrated() {
        if (migrated != null) {
            migrated.close();
        }
    }
}
