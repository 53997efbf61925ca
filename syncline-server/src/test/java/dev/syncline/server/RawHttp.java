package dev.syncline.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a bare {@link Socket}, for requests no HTTP client would send: lying lengths,
 * broken chunked framing, bodies cut short by end of stream. The caller writes the exact bytes.
 */
public final class RawHttp {
    /**
     * What came back.
     *
     * @param status the status of the first response (-1 when the server closed without answering)
     * @param head the status line and headers as text
     * @param body the bytes after the headers, as far as they were read
     */
    public record Reply(int status, String head, String body) {
        /** @return the value of header {@code name}, or null */
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private RawHttp() {
    }

    /**
     * Sends {@code request} as is, then half-closes the connection when {@code endStream} (the
     * server reads end of stream where it may expect more), and reads the reply until the server
     * closes or the reply's Content-Length is reached.
     */
    public static Reply exchange(int port, byte[] request, boolean endStream) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            if (endStream) {
                s.shutdownOutput();
            }
            return read(s.getInputStream());
        }
    }

    private static Reply read(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int headEnd = -1;
        long want = -1;
        // A bound on the whole read: a streaming reply (heartbeats) never closes by itself.
        long deadline = System.nanoTime() + 10_000_000_000L;
        try {
            int n;
            while (System.nanoTime() < deadline && (n = in.read(buf)) != -1) {
                got.write(buf, 0, n);
                byte[] all = got.toByteArray();
                if (headEnd < 0) {
                    headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (headEnd >= 0) {
                        String head = new String(all, 0, headEnd, StandardCharsets.ISO_8859_1);
                        want = contentLength(head);
                    }
                }
                if (headEnd >= 0 && want >= 0 && all.length - headEnd - 4 >= want) {
                    break;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // A reset after the reply is fine; what was read is the answer.
        }
        byte[] all = got.toByteArray();
        if (all.length == 0) {
            return new Reply(-1, "", "");
        }
        int end = headEnd < 0 ? all.length : headEnd;
        String head = new String(all, 0, end, StandardCharsets.ISO_8859_1);
        String body = headEnd < 0 ? "" : new String(all, headEnd + 4, all.length - headEnd - 4, StandardCharsets.UTF_8);
        String[] statusLine = head.split("\r\n", 2)[0].split(" ");
        int status = statusLine.length > 1 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : -1;
        return new Reply(status, head, body);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring(15).trim());
            }
        }
        return -1;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** @return the bytes of a request head: request line, the given header lines, a blank line */
    public static byte[] head(String requestLine, String... headers) {
        StringBuilder b = new StringBuilder(requestLine).append("\r\n").append("Host: 127.0.0.1\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** @return {@code parts} joined */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
