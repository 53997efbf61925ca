package dev.syncline.client;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Child process of {@link OneClientPerFileTest}: opens a client on the file given as the argument,
 * prints {@code ready}, and keeps it open until killed or until stdin closes.
 */
public final class FileHolder {
    private FileHolder() {
    }

    public static void main(String[] args) throws Exception {
        SyncClient client = TrackFlow.open(Path.of(args[0]), Clock.systemUTC());
        System.out.println("ready " + client.clientId());
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the file
        }
        client.close();
    }
}
