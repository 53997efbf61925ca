package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.internal.outbox.Outbox.Outstanding;
import org.junit.jupiter.api.Test;

/**
 * How a replica tells the server's copy of its own operation from someone else's write: by the
 * opId the change names, or, from a server that names none, by the operation's HLC stamp; and only
 * for an operation that may have been sent.
 */
class OwnOperationTest {
    static final String HLC = "0001795610081435-0000-node-a";

    @Test
    void sentOperation_isRecognisedByTheOpIdTheChangeNames() {
        Outstanding op = new Outstanding("op-1", OperationState.PENDING, true, HLC);
        assertThat(op.producedBy("op-1", "0009999999999999-0000-other")).isTrue();
        assertThat(op.producedBy("op-2", HLC)).as("another opId, even with the same stamp").isFalse();
    }

    @Test
    void withoutAnOpId_theStampDecides() {
        Outstanding op = new Outstanding("op-1", OperationState.PENDING, true, HLC);
        assertThat(op.producedBy(null, HLC)).isTrue();
        assertThat(op.producedBy(null, "0001795610081435-0001-node-a")).isFalse();
    }

    @Test
    void neverSentOperation_hasNoEcho() {
        Outstanding op = new Outstanding("op-1", OperationState.PENDING, false, HLC);
        assertThat(op.producedBy("op-1", HLC)).isFalse();
        assertThat(op.fateUnknown()).isFalse();
    }

    @Test
    void fateIsUnknown_onlyWhileASentOperationWaitsForItsAnswer() {
        assertThat(new Outstanding("a", OperationState.PENDING, true, HLC).fateUnknown()).isTrue();
        assertThat(new Outstanding("a", OperationState.IN_FLIGHT, true, HLC).fateUnknown()).isTrue();
        assertThat(new Outstanding("a", OperationState.FAILED, true, HLC).fateUnknown())
                .as("a dead letter was refused: not applied").isFalse();
    }
}
