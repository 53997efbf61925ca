package dev.syncline.client.internal.store;

import dev.syncline.client.DatabaseInUseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The one-open-client-per-file rule: an exclusive lock on the sidecar file {@code <db>.lock},
 * held from before the database is opened until after it is closed.
 *
 * <p>Design: {@link FileChannel#tryLock} keeps out other processes (the operating system drops
 * the lock when the holder dies, even by SIGKILL, so a crashed replica never blocks the next
 * open); it cannot keep out a second opener in the same JVM (locks belong to the process), so a
 * registry of the lock files this JVM holds does that. The lock file is never deleted: deleting
 * it while another opener has it open would let two holders lock two different files. The lock
 * covers one byte far past the end, so the holder's pid, written at the start, stays readable
 * on systems with mandatory locks, for the refusal's message.
 *
 * <p>Concurrency: acquire and release are thread-safe (the registry is guarded by its own lock).
 */
final class StoreLock implements AutoCloseable {
    private static final long REGION = Long.MAX_VALUE - 1;
    private static final Set<Path> HELD = new HashSet<>(); // guarded by itself

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dbFile} for this client.
     *
     * @param dbFile the database file (absolute)
     * @throws DatabaseInUseException when another client, here or in another process, holds it
     * @throws IOException when the lock file cannot be created or locked
     */
    static StoreLock acquire(Path dbFile) throws IOException {
        Path lockFile = dbFile.resolveSibling(dbFile.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            Path key = lockFile.toRealPath();
            synchronized (HELD) {
                if (HELD.contains(key)) {
                    throw new DatabaseInUseException(dbFile, "local store " + dbFile + " is already open in another"
                            + " SyncClient in this process; use that one (one SyncClient per file) or close it first");
                }
                FileLock lock;
                try {
                    lock = channel.tryLock(REGION, 1, false);
                } catch (OverlappingFileLockException e) {
                    lock = null; // held through another channel of this JVM, outside the registry
                }
                if (lock == null) {
                    String holder = holder(lockFile);
                    throw new DatabaseInUseException(dbFile, "local store " + dbFile + " is open in another SyncClient"
                            + (holder == null ? "" : " (process " + holder + ")")
                            + "; only one client may have a file open at a time: wait for it to close, or use another file");
                }
                writePid(channel);
                HELD.add(key);
                return new StoreLock(key, channel, lock);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void writePid(FileChannel channel) throws IOException {
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(pid), 0);
    }

    private static String holder(Path lockFile) {
        try {
            String text = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return text.matches("[0-9]{1,19}") ? text : null;
        } catch (IOException | RuntimeException e) {
            return null; // only for the message
        }
    }

    /** Releases the lock (idempotent). */
    @Override
    public void close() {
        synchronized (HELD) {
            if (!HELD.remove(key)) {
                return;
            }
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the channel
            }
        }
    }
}
