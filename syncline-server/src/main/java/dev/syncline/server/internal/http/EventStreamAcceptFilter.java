package dev.syncline.server.internal.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Javalin serves SSE only to requests that send {@code Accept: text/event-stream}. Browsers do, but
 * {@code curl} and many scripts do not, and they would get an empty 200. {@code /v1/stream} has no
 * other representation, so this filter makes such requests ask for the event stream.
 */
final class EventStreamAcceptFilter implements Filter {
    private static final String EVENT_STREAM = "text/event-stream";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        String accept = http.getHeader("Accept");
        if (accept != null && accept.contains(EVENT_STREAM)) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(new HttpServletRequestWrapper(http) {
            @Override
            public String getHeader(String name) {
                return "Accept".equalsIgnoreCase(name) ? EVENT_STREAM : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return "Accept".equalsIgnoreCase(name)
                        ? Collections.enumeration(java.util.List.of(EVENT_STREAM)) : super.getHeaders(name);
            }
        }, response);
    }
}
