package io.jobqueue.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Which HTTP headers the API routes see, and which message headers go back as HTTP response headers: only the ones
 * the API uses, both ways. Camel would otherwise copy every request header into the message and echo them all back
 * (a form-encoded body, curl -d without a content type, would even turn the JSON text into a header name that Vert.x
 * refuses to write); each request header copied and filtered again cost a tenth of the event loop's time per request.
 */
public final class ApiHeaders extends HttpHeaderFilterStrategy {

    /** Request headers and query or path parameters the routes read. */
    private static final Set<String> READ = Set.of("content-type", "maxattempts", "timeoutms", "start", "count",
            "queuetype", "id");
    /** Response headers the routes set. */
    private static final Set<String> ANSWERED = Set.of("content-type", "jobid");

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !READ.contains(headerName.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !ANSWERED.contains(headerName.toLowerCase(Locale.ROOT))
                || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }
}
