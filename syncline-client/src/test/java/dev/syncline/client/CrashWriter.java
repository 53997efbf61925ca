package dev.syncline.client;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Child process of {@link CrashSafetyTest}: writes in a loop until killed, printing
 * {@code saved ID} after each {@code save} returns, {@code deleted ID} after each {@code delete}
 * and {@code patched ID TITLE} after each {@code patch}; {@code deleting} and {@code patching}
 * lines announce a change before it is made, so the parent knows which one change may or may not
 * have committed when the kill came. Arguments: database file, id prefix.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) {
        Path db = Path.of(args[0]);
        String prefix = args[1];
        SyncClient client = TrackFlow.open(db, Clock.systemUTC());
        Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
        System.out.println("ready");
        System.out.flush();
        for (int n = 0; ; n++) {
            String id = prefix + "-" + n;
            tracks.save(new AudioTrack(id, "team-1", "p-" + (n % 7), "take " + n, n));
            System.out.println("saved " + id);
            System.out.flush();
            if (n >= 2 && n % 5 == 0) {
                String gone = prefix + "-" + (n - 2);
                System.out.println("deleting " + gone);
                System.out.flush();
                tracks.delete("team-1", gone);
                System.out.println("deleted " + gone);
                System.out.flush();
            }
            if (n > 0 && n % 3 == 0) {
                String earlier = prefix + "-" + (n - 1);
                String title = "retake " + n;
                System.out.println("patching " + earlier + " " + title);
                System.out.flush();
                tracks.patch("team-1", earlier, Map.of("title", title));
                System.out.println("patched " + earlier + " " + title);
                System.out.flush();
            }
        }
    }
}
