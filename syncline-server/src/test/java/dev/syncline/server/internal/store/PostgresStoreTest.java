package dev.syncline.server.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushResult;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void apply_dataHoldingU0000_isRejectedAndTheRestOfTheBatchApplies() {
        // JSONB cannot hold U+0000; the database would fail the whole push, and the client would
        // retry a 503 forever.
        PushOp inString = upsert("s1", "a", 0, "{\"x\":\"a\\u0000b\"}");
        PushOp inKey = upsert("s1", "b", 0, "{\"k\\u0000\":1}");
        PushOp nested = upsert("s1", "c", 0, "{\"list\":[{\"y\":\"\\u0000\"}]}");
        PushOp fine = upsert("s1", "d", 0, "{\"x\":\"\\u0001 is fine\"}");
        List<PushResult> r = store.apply("alice", List.of(inString, inKey, nested, fine), NOW);
        for (int i = 0; i < 3; i++) {
            assertThat(r.get(i)).isInstanceOf(PushResult.Rejected.class);
            assertThat(((PushResult.Rejected) r.get(i)).error().code()).isEqualTo("invalid_data");
        }
        assertThat(r.get(3)).isEqualTo(new PushResult.Applied(fine.opId(), 1, 1));
        assertThat(store.get("s1", "note", "a")).isEmpty();
        assertThat(store.get("s1", "note", "d").orElseThrow().data()).isEqualTo(data("{\"x\":\"\\u0001 is fine\"}"));
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
