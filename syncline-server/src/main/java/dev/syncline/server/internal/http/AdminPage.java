package dev.syncline.server.internal.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The admin page: one self-contained HTML file ({@code admin.html} next to this class, inline CSS
 * and JavaScript, nothing from elsewhere) and the Content-Security-Policy it is served with. The
 * page carries no data; its script fetches {@code /admin/api/overview} with the operator's token.
 *
 * <p>The policy allows exactly the page's own inline {@code <style>} and {@code <script>}, by their
 * SHA-256 hashes computed here from the file, and fetches to this origin only: injected markup
 * could neither run script nor send the token anywhere. Immutable and thread-safe.
 */
final class AdminPage {
    private final byte[] html;
    private final String contentSecurityPolicy;

    private AdminPage(byte[] html, String contentSecurityPolicy) {
        this.html = html;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /**
     * Reads the page from the classpath.
     *
     * @throws IllegalStateException when it is missing or does not hold exactly one plain
     *     {@code <style>} and one plain {@code <script>} element
     */
    static AdminPage load() {
        byte[] bytes;
        try (InputStream in = AdminPage.class.getResourceAsStream("admin.html")) {
            if (in == null) {
                throw new IllegalStateException("admin.html is missing from the classpath next to "
                        + AdminPage.class.getName());
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read admin.html", e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String csp = "default-src 'none'"
                + "; script-src '" + sha256(only(text, "script")) + "'"
                + "; style-src '" + sha256(only(text, "style")) + "'"
                + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return new AdminPage(bytes, csp);
    }

    /** @return the content of the one {@code <tag>} element of {@code html} */
    private static String only(String html, String tag) {
        String open = "<" + tag + ">";
        String close = "</" + tag + ">";
        int start = html.indexOf(open);
        int end = html.indexOf(close);
        if (start < 0 || end < start || html.indexOf(open, start + 1) >= 0 || html.indexOf("<" + tag + " ") >= 0) {
            throw new IllegalStateException("admin.html must hold exactly one plain " + open + " element");
        }
        return html.substring(start + open.length(), end);
    }

    private static String sha256(String content) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** @return the page's bytes (UTF-8); do not modify */
    byte[] html() {
        return html;
    }

    /** @return the value of the {@code Content-Security-Policy} header */
    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }
}
