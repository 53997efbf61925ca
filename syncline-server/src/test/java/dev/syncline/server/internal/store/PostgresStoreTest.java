package dev.syncline.server.internal.store;

import org.junit.jupiter.api.AfterEach;

/** The store contract on PostgreSQL, each test on a fresh database. */
class PostgresStoreTest extends StoreContract {
    private PostgresTestDatabase db;
    private PostgresTestDatabase v1Db;
    private Store migrated;

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

    @Override
    protected Store openAfterFillingSchemaV1(SqlWork fill) throws Exception {
        v1Db = PostgresTestDatabase.create();
        fillAtSchemaV1(v1Db.url(), "classpath:db/postgresql", fill);
        migrated = PostgresStore.open(v1Db.url(), 2);
        return migrated;
    }

    @AfterEach
    void dropDatabase() throws Exception {
        // Runs after the contract's own @AfterEach has closed the store (subclass methods run first,
        // so close it here too; close is idempotent).
        if (store != null) {
            store.close();
        }
        if (migrated != null) {
            migrated.close();
        }
        if (db != null) {
            db.close();
        }
        if (v1Db != null) {
            v1Db.close();
        }
    }
}
