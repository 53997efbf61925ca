package dev.syncline.server.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;

/** The store contract on PostgreSQL, each test on a fresh database. */
class PostgresStoreTest extends StoreContract {
    private PostgresTestDatabase db;

    @Override
    protected Store openFresh() throws Exception {
        db = PostgresTestDatabase.create();
        return PostgresStore.open(db.url(), 4);
    }

    @Override
    protected Store reopen(Store old) throws Exception {
        old.close();
        return PostgresStore.open(db.url(), 4);
    }

    @AfterEach
    void dropDatabase() throws Exception {
        // Runs after the contract's own @AfterEach has closed the store (subclass methods run first,
        // so close it here too; close is idempotent).
        if (store != null) {
            store.close();
        }
        if (db != null) {
            db.close();
        }
    }
}
