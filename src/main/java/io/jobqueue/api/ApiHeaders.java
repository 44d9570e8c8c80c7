package io.jobqueue.api;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Which HTTP headers the API routes see, and which message headers go back as HTTP response headers: only the ones
 * the API uses, both ways. Camel would otherwise copy every request header into the message and echo them all back
 * (a form-encoded body, curl -d without a content type, would even turn the JSON text into a header name that Vert.x
 * refuses to write). This runs on the HTTP event loop for every header of every request, so it compares without
 * allocating (and the routes need no removeHeaders step, whose patterns Camel compiles as regular expressions on
 * every call).
 */
public final class ApiHeaders implements HeaderFilterStrategy {

    /** Request headers and query or path parameters the routes read. */
    private static final List<String> READ = List.of("Content-Type", "maxAttempts", "timeoutMs", "start", "count",
            "queueType", "id", "Idempotency-Key");
    /** Response headers the routes set. */
    private static final List<String> ANSWERED = List.of("Content-Type", "JobId");

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !isOneOf(headerName, READ);
    }

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !isOneOf(headerName, ANSWERED);
    }

    private static boolean isOneOf(String name, List<String> names) {
        for (String candidate : names) {
            if (candidate.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
