package dev.syncline.testkit.sim;

import dev.syncline.server.SyncServer;
import java.nio.file.Path;

/**
 * The sync server of a simulation, on one store, that can be killed and restarted on its data
 * (same data directory, or same PostgreSQL database). Not thread-safe: the simulation's thread
 * drives it.
 */
interface SimServer extends AutoCloseable {
    /** @return the port it listens on now (a new one after each restart) */
    int port();

    /** @return {@code http://127.0.0.1:<port>} */
    default String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Kills the server and starts a new one on the same data. */
    void restart();

    /** Stops the server for good. */
    @Override
    void close();

    /** @return what the store is, for reports ({@code embedded} or {@code postgres}) */
    String store();

    /** A server in this JVM; killing it is {@link SyncServer#close()}. */
    final class InProcess implements SimServer {
        private final Path dataDir;
        private final String postgresUrl;
        private SyncServer server;

        /** @param dataDir the embedded store's directory, or null with {@code postgresUrl} */
        InProcess(Path dataDir, String postgresUrl) {
            this.dataDir = dataDir;
            this.postgresUrl = postgresUrl;
            this.server = start();
        }

        private SyncServer start() {
            SyncServer.Builder b = SyncServer.builder().port(0).jwtSecret(Sim.SECRET);
            return (postgresUrl != null ? b.postgres(postgresUrl).postgresPoolSize(4) : b.dataDir(dataDir)).start();
        }

        @Override
        public int port() {
            return server.port();
        }

        @Override
        public void restart() {
            server.close();
            server = start();
        }

        @Override
        public void close() {
            server.close();
        }

        @Override
        public String store() {
            return postgresUrl != null ? "postgres" : "embedded";
        }
    }
}
