package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.BackgroundSyncCoordinator.State;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.server.Tokens;
import dev.syncline.testkit.FaultyProxy;
import dev.syncline.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running {@link BackgroundSyncCoordinator} whose token the server refuses (401): it says so in
 * its status, sends nothing more with that token, keeps the writes queued, and drains them by
 * itself once the app's token provider has a new token. Real server, requests counted at a proxy.
 * Periodic sync is off, so nothing but the coordinator's own reaction can resume it.
 */
class AuthenticationNeededTest {
    static final String S = "team-1";
    static final BackgroundSyncCoordinator.Settings NO_PERIODIC = new BackgroundSyncCoordinator.Settings(
            Duration.ofMillis(20), Duration.ofMillis(100), Duration.ZERO);

    @TempDir
    Path dir;

    /** Requests that carry the token (the health probe carries none). */
    private static long tokenRequests(FaultyProxy proxy) {
        return proxy.requests("/v1/push") + proxy.requests("/v1/pull") + proxy.requests("/v1/stream");
    }

    /** Status snapshots published while a run of the local-write trigger was running. */
    private static long writeRuns(List<BackgroundSyncCoordinator.Status> seen) {
        return seen.stream().filter(st -> st.ongoingSyncKeys().contains("local-write")).count();
    }

    private static String mint(ManualClock serverClock, Duration ttl) {
        return Tokens.mint(Loopback.SECRET, "alice", List.of(S), ttl, serverClock);
    }

    @Test
    void tokenExpiring_onTheLiveStream_publishesAuthenticationNeeded_sendsNothingMore_keepsWrites_andANewTokenDrainsThem()
            throws Exception {
        ManualClock serverClock = new ManualClock(Instant.now());
        try (Loopback net = new Loopback(dir, b -> b.clock(serverClock).heartbeat(Duration.ofMillis(100)));
                FaultyProxy proxy = new FaultyProxy(net.server.port())) {
            AtomicReference<String> token = new AtomicReference<>(mint(serverClock, Duration.ofMinutes(10)));
            List<BackgroundSyncCoordinator.Status> seen = new CopyOnWriteArrayList<>();
            try (SyncClient a = net.client("a", proxy.url(), b -> b.tokenProvider(token::get).backgroundSync(true)
                    .backgroundSyncSettings(NO_PERIODIC))) {
                a.coordinator().addStatusListener(seen::add);
                a.documents().put(S, "note", "n0", json("{\"v\":0}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> a.pendingOperations().getPendingOperationsCount() == 0
                        && proxy.requests("/v1/stream") == 1);

                // The token expires: the server ends the stream at its next heartbeat and refuses
                // the reconnection. No push or pull is needed for the coordinator to notice.
                serverClock.advance(Duration.ofMinutes(11));
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream()
                        .anyMatch(s -> s.state() == State.AUTHENTICATION_NEEDED));
                assertThat(a.authenticationNeeded()).isTrue();
                assertThat(seen.stream().filter(s -> s.state() == State.AUTHENTICATION_NEEDED).findFirst().orElseThrow()
                        .lastError()).contains("401");

                long sent = tokenRequests(proxy); // the refusal was an answer: nothing of ours is in flight
                long runs = writeRuns(seen);
                a.documents().put(S, "note", "n1", json("{\"v\":1}")); // each write triggers a run
                a.documents().put(S, "note", "n2", json("{\"v\":2}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> writeRuns(seen) > runs); // a run held back
                long moreRuns = writeRuns(seen);
                a.documents().put(S, "note", "n3", json("{\"v\":3}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> writeRuns(seen) > moreRuns);
                // The stream's reopening checks the token on the scheduler, every 250 ms: over a few
                // of those checks, nothing may go out (fails at the first request that does).
                await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5))
                        .until(() -> tokenRequests(proxy) == sent);
                assertThat(tokenRequests(proxy)).as("requests with the refused token").isEqualTo(sent);
                assertThat(a.coordinator().status().state()).isEqualTo(State.AUTHENTICATION_NEEDED);
                List<PendingOperation> queued = a.pendingOperations().pendingOperations();
                assertThat(queued).extracting(PendingOperation::id).containsExactlyInAnyOrder("n1", "n2", "n3");
                assertThat(queued).allMatch(op -> op.attempts() == 0, "no attempt counted against the operations");

                token.set(mint(serverClock, Duration.ofMinutes(10))); // the app logs in again; no other call
                await().atMost(Duration.ofSeconds(10)).until(() -> a.pendingOperations().getPendingOperationsCount() == 0);
                await().atMost(Duration.ofSeconds(10)).until(() -> a.coordinator().status().state() == State.IDLE);
                assertThat(a.authenticationNeeded()).isFalse();
            }
            try (SyncClient b = net.client("b", bld -> bld.token(mint(serverClock, Duration.ofMinutes(10))))) {
                b.sync();
                assertThat(Loopback.live(b, S, "note")).containsOnlyKeys(S + "/note/n0", S + "/note/n1", S + "/note/n2",
                        S + "/note/n3");
            }
        }
    }

    @Test
    void pushRefused_whileTheStreamIsOpen_closesTheStream_andANewTokenFromTheProviderResumesWithoutAnyCall()
            throws Exception {
        ManualClock serverClock = new ManualClock(Instant.now());
        byte[] otherSecret = "some-other-secret-0123456789abcdefghij".getBytes(StandardCharsets.UTF_8);
        try (Loopback net = new Loopback(dir, b -> b.clock(serverClock));
                FaultyProxy proxy = new FaultyProxy(net.server.port())) {
            AtomicReference<String> token = new AtomicReference<>(mint(serverClock, Duration.ofMinutes(10)));
            try (SyncClient a = net.client("a", proxy.url(), b -> b.tokenProvider(token::get).backgroundSync(true)
                    .backgroundSyncSettings(NO_PERIODIC))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> proxy.requests("/v1/stream") == 1
                        && a.coordinator().status().lastSyncAt() != null);

                // The server no longer accepts the provider's token (say, its signing key rotated).
                token.set(Tokens.mint(otherSecret, "alice", List.of(S), Duration.ofMinutes(10), serverClock));
                a.documents().put(S, "note", "n1", json("{\"v\":1}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> a.coordinator().status().state()
                        == State.AUTHENTICATION_NEEDED);
                // The refused push was answered, and the stream it closed counts once it is closed.
                await().atMost(Duration.ofSeconds(10)).until(() -> a.coordinator().ongoingSyncKeys().isEmpty());
                long sent = tokenRequests(proxy);
                a.documents().put(S, "note", "n2", json("{\"v\":2}"));
                await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5))
                        .until(() -> tokenRequests(proxy) == sent);
                assertThat(tokenRequests(proxy)).isEqualTo(sent);
                assertThat(a.pendingOperations().getPendingOperationsCount()).isEqualTo(2);

                token.set(mint(serverClock, Duration.ofMinutes(10)));
                await().atMost(Duration.ofSeconds(10)).until(() -> a.pendingOperations().getPendingOperationsCount() == 0);
                // The stream was closed with the refused token and is open again with the new one.
                await().atMost(Duration.ofSeconds(10)).until(() -> proxy.requests("/v1/stream") == 2);
            }
        }
    }

    @Test
    void tokenRefreshedWhileARefusedRequestWasInFlight_isNotTakenForTheRefusedOne() {
        // Regression: the refused token was read from the provider when the 401 came back, not
        // taken from the request. A provider that already had the new token then had that one
        // marked refused, and sync stayed stopped for good.
        ManualClock serverClock = new ManualClock(Instant.now());
        try (Loopback net = new Loopback(dir, b -> b.clock(serverClock))) {
            String expired = mint(serverClock, Duration.ofMinutes(1));
            serverClock.advance(Duration.ofMinutes(2));
            String fresh = mint(serverClock, Duration.ofMinutes(10));
            AtomicInteger asked = new AtomicInteger();
            try (SyncClient a = net.client("a", b -> b.tokenProvider(() -> asked.getAndIncrement() == 0 ? expired : fresh))) {
                a.documents().put(S, "note", "n1", json("{\"v\":1}"));
                assertThat(a.sync(Duration.ofSeconds(5)).outcome()).isEqualTo(SyncReport.Outcome.AUTHENTICATION_NEEDED);
                assertThat(a.authenticationNeeded()).as("the provider's token now is not the refused one").isFalse();
                SyncReport again = a.sync(Duration.ofSeconds(5));
                assertThat(again.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                assertThat(again.pushed()).isEqualTo(1);
            }
        }
    }
}
