package dev.syncline.server;

import java.nio.file.Path;

/** Runs a server in a child JVM for crash tests: {@code ServerProcessMain DATA_DIR}; prints its port. */
public final class ServerProcessMain {
    private ServerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        SyncServer server = SyncServer.builder().port(0).dataDir(Path.of(args[0])).jwtSecret(ServerFixture.SECRET)
                .start();
        System.out.println("listening on port " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
