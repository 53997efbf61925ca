package dev.syncline.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shape the fault simulation found (in-process seed 5 and others): a replica process is
 * SIGKILLed while a push is on the wire, after the server applied it and before the answer
 * arrived. On reopening, the operation is pending again; an edit made then must still reach the
 * server. (Today the recovered operation looks never sent, so the edit is folded into it under
 * the opId the server already applied; the server answers the replay from its opId memory and the
 * edit is acknowledged but never written.)
 */
class CrashDuringPushThenEditTest {
    @TempDir
    Path dir;

    @Test
    void anEditAfterASigkillMidPush_reachesTheServer_althoughThePushBeforeItWasApplied() throws Exception {
        String scope = "crash-mid-push";
        Path file = dir.resolve("r0.db");
        try (SimServer server = new SimServer.InProcess(dir.resolve("server"), null);
             FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.delay(Duration.ofMillis(500)); // the answer is still on its way when the replica dies
            ChildProcesses.Child first = child(proxy, file, scope, "put,note/n1,v1;sync,5000");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Sim.readServer(server.url(), scope).containsKey("note/n1"));
            first.kill();
            proxy.heal();

            ChildProcesses.Child second = child(proxy, file, scope, "put,note/n1,v2;sync,10000");
            List<String> lines = new ArrayList<>();
            for (String l = second.next(60_000); l != null && !l.equals(ChildProcesses.EOF); l = second.next(60_000)) {
                lines.add(l);
            }
            assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(lines).anyMatch(l -> l.contains("\"ack\"")).anyMatch(l -> l.contains("CAUGHT_UP"));
            assertThat(Sim.readServer(server.url(), scope).get("note/n1").value())
                    .as("the edit acknowledged after the restart is on the server").isEqualTo("v2");
        }
    }

    private ChildProcesses.Child child(FaultyProxy proxy, Path file, String scope, String script) {
        return ChildProcesses.start(ReplicaChild.class, dir.resolve("r0.log"), file.toString(), proxy.url(), "r0", scope,
                "0", "10", "1", script);
    }
}
