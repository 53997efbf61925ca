package dev.syncline.testkit.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Starting child JVMs on the test classpath and reading their stdout line by line. */
final class ChildProcesses {
    /** The end of a child's stdout in {@link Child#lines}. */
    static final String EOF = "\u0000eof";

    private ChildProcesses() {
    }

    /** A running child: its process and its stdout lines as they come ({@link #EOF} last). */
    record Child(Process process, BlockingQueue<String> lines) {
        /** @return the next line, or null when none came within {@code millis} */
        String next(long millis) {
            try {
                return lines.poll(millis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        /** SIGKILL (on Linux, {@link Process#destroyForcibly()} sends SIGKILL) and wait for it to die. */
        void kill() {
            process.destroyForcibly();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("child " + process.pid() + " did not die of SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Starts {@code main} with {@code args}; its stderr goes to {@code log}. */
    static Child start(Class<?> main, Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xss512k", "-Xmx256m", main.getName()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child died: what it printed before is in the queue
                } finally {
                    lines.add(EOF);
                }
            }, "child-stdout-" + p.pid());
            reader.setDaemon(true);
            reader.start();
            return new Child(p, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server in a child JVM; {@link #restart()} SIGKILLs it and starts another on the same data. */
    static final class Server implements SimServer {
        private final Path dataDir;
        private final String postgresUrl;
        private final Path log;
        private Child child;
        private int port;

        Server(Path dataDir, String postgresUrl, Path log) {
            this.dataDir = dataDir;
            this.postgresUrl = postgresUrl;
            this.log = log;
            start();
        }

        private void start() {
            child = ChildProcesses.start(ServerChild.class, log, dataDir == null ? "-" : dataDir.toString(),
                    postgresUrl == null ? "-" : postgresUrl);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                String line = child.next(1000);
                if (line == null) {
                    continue;
                }
                if (line.equals(EOF)) {
                    throw new IllegalStateException("the server process exited before it listened; see " + log);
                }
                if (line.startsWith("listening on port ")) {
                    port = Integer.parseInt(line.substring("listening on port ".length()).trim());
                    return;
                }
            }
            child.kill();
            throw new IllegalStateException("the server process did not listen within 90 s; see " + log);
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void restart() {
            child.kill();
            start();
        }

        @Override
        public void close() {
            child.kill();
        }

        @Override
        public String store() {
            return postgresUrl != null ? "postgres" : "embedded";
        }
    }
}
