package dev.syncline.server.internal.http;

import dev.syncline.core.Json;
import dev.syncline.core.protocol.ErrorBody;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers before a request reaches the routes (a URI or header too long, a
 * malformed request line) get the protocol's JSON error body too, not an HTML page. An unknown
 * HTTP version, which Jetty answers 505, is answered 400: nothing a client sends earns a 5xx.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        if (code == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
            // A request line naming HTTP/9.9 is the client's mistake; no input may earn a 5xx.
            code = HttpStatus.BAD_REQUEST_400;
            message = "unsupported HTTP version (" + message + "); this server speaks HTTP/1.1";
            response.setStatus(code);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String message) {
        String reason = HttpStatus.getMessage(status);
        String code = reason == null ? "http_" + status : reason.toLowerCase().replaceAll("[^a-z0-9]+", "_");
        String text = message == null || message.isBlank() ? reason : message;
        return Json.writeBytes(ErrorBody.of(code, text == null ? "HTTP " + status : text));
    }
}
