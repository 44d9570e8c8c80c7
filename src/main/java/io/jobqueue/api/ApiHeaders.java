package io.jobqueue.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Which message headers become HTTP response headers: only the ones the API means to send. Camel would otherwise
 * echo every request header and query parameter back, and a form-encoded body (curl -d without a content type)
 * would turn the JSON text into a header name that Vert.x refuses to write.
 */
public final class ApiHeaders extends HttpHeaderFilterStrategy {

    private static final Set<String> ANSWERED = Set.of("content-type", "jobid");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !ANSWERED.contains(headerName.toLowerCase(Locale.ROOT))
                || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }
}
