package dev.syncline.testkit.sim;

import dev.syncline.server.SyncServer;
import java.nio.file.Path;

/**
 * A sync server in its own process, so a simulation can SIGKILL it:
 * {@code ServerChild DATA_DIR|- JDBC_URL|-}. Prints {@code listening on port N} once it serves,
 * then runs until killed.
 */
public final class ServerChild {
    private ServerChild() {
    }

    /** Starts the server on the embedded store in DATA_DIR, or on PostgreSQL at JDBC_URL. */
    public static void main(String[] args) throws InterruptedException {
        SyncServer.Builder b = SyncServer.builder().port(0).jwtSecret(Sim.SECRET);
        SyncServer server = (args[0].equals("-") ? b.postgres(args[1]).postgresPoolSize(4) : b.dataDir(Path.of(args[0])))
                .start();
        System.out.println("listening on port " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
