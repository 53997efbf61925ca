package dev.syncline.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server on a loopback port over a fresh embedded store. Registered with
 * {@code @RegisterExtension} on an instance field: one server per test; on a static field: one
 * server for the whole class.
 */
public final class ServerFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    public static final byte[] SECRET = "test-secret-test-secret-test-secret!".getBytes(StandardCharsets.UTF_8);

    private final java.util.function.UnaryOperator<SyncServer.Builder> customize;
    private SyncServer server;
    private Path dir;
    private TestHttp http;
    private boolean perClass;

    public ServerFixture() {
        this(b -> b);
    }

    public ServerFixture(java.util.function.UnaryOperator<SyncServer.Builder> customize) {
        this.customize = customize;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        open();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        shut();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            open();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            shut();
        }
    }

    private void open() throws Exception {
        dir = Files.createTempDirectory("syncline-server-test");
        server = customize.apply(SyncServer.builder().port(0).dataDir(dir).jwtSecret(SECRET)).start();
        http = new TestHttp(server.url());
    }

    private void shut() throws Exception {
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public SyncServer server() {
        return server;
    }

    public TestHttp http() {
        return http;
    }

    public Path dataDir() {
        return dir;
    }

    /** @return a valid one-hour token for {@code user} holding {@code scopes} */
    public static String token(String user, String... scopes) {
        return Tokens.mint(SECRET, user, List.of(scopes), Duration.ofHours(1), Clock.systemUTC());
    }
}
