package io.jobqueue.api;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.jobqueue.job.JobJson;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * What every request goes through before any Camel route sees it, in this order, all before its body is read:
 * <ol>
 * <li>A path with an empty segment ({@code POST /jobs/failed//retry}) is a 404: the router would otherwise collapse
 * the slashes and match another endpoint (there: retry every failed job).</li>
 * <li>HEAD is routed as GET; Vert.x leaves the body out of the answer.</li>
 * <li>With tokens set, the token must hold the role {@link ApiEndpoints} names for the endpoint: 401, 403.</li>
 * <li>A multipart body is refused (415). A body labelled form-encoded, in any letter case, is relabelled JSON:
 * {@code curl -d '{...}'} labels every body so, and the router would parse the JSON as a form.</li>
 * <li>The body: one whose Content-Length is over the endpoint's limit is refused (413) unread; then room for it is
 * taken from a budget of body bytes held by all requests being read (503 when there is none), and Vert.x's body
 * handler reads it, cutting a chunked body off at the limit (413). The room is given back when the answer is sent or
 * the connection closes. So no number of parallel uploads holds more than the budget in bodies.</li>
 * </ol>
 * An answer given before the body has been read closes the connection, rather than leave it to read an unwanted body.
 * This runs for every request, so each step is a comparison or a counter.
 */
final class RequestGate implements Handler<RoutingContext> {

    static final String FORM = "application/x-www-form-urlencoded";
    /** How long a client that is sending a refused body has to read the answer before its connection is closed. */
    private static final long CLOSE_AFTER_REFUSAL_MS = 1000;

    private final ApiTokens tokens;
    private final long maxBodyBytes;
    private final long maxBulkBodyBytes;
    private final long maxBufferedBodyBytes;
    private final BodyHandler smallBodies;
    private final BodyHandler largeBodies;
    private final AtomicLong buffered = new AtomicLong();

    RequestGate(ApiTokens tokens, long maxBodyBytes, long maxBulkBodyBytes, long maxBufferedBodyBytes) {
        this.tokens = tokens;
        this.maxBodyBytes = maxBodyBytes;
        this.maxBulkBodyBytes = maxBulkBodyBytes;
        this.maxBufferedBodyBytes = maxBufferedBodyBytes;
        this.smallBodies = bodyHandler(maxBodyBytes);
        this.largeBodies = bodyHandler(maxBulkBodyBytes);
    }

    private static BodyHandler bodyHandler(long limit) {
        // the length is checked against the limit and the budget before reading, so the buffer may be sized at once
        return BodyHandler.create(false).setBodyLimit(limit).setPreallocateBodyBuffer(true);
    }

    /** Body bytes held by requests being read or answered now. */
    long bufferedBodyBytes() {
        return buffered.get();
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        HttpMethod method = request.method();
        if (request.path().contains("//") || request.path().endsWith("/") && request.path().length() > 1) {
            refuse(context, 404, "no such endpoint: " + method + " " + request.path() + " (a path segment is empty)");
            return;
        }
        if (!validEscapes(request.query())) {
            // Vert.x decodes the query while it matches routes, and answers a bad escape in plain text
            refuse(context, 400, "the query string has a '%' not followed by two hex digits");
            return;
        }
        if (hasDotSegment(request.path())) {
            // the router removes dot segments before it matches: /jobs/failed/./retry would be retry-all
            refuse(context, 404, "no such endpoint: " + method + " " + request.path() + " (a path segment is '.' or '..')");
            return;
        }
        if (HttpMethod.HEAD.equals(method)) {
            String query = request.query();
            context.reroute(HttpMethod.GET, request.path() + (query == null ? "" : "?" + query));
            return;
        }
        String path = context.normalizedPath();
        if (!tokens.isEmpty() && !authorized(context, method, path)) {
            return;
        }
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && type.regionMatches(true, 0, "multipart/", 0, 10)) {
            refuse(context, 415, "send the job's data as a JSON body, not as a multipart upload (got " + type + ")");
            return;
        }
        if (type != null && type.regionMatches(true, 0, FORM, 0, FORM.length())) {
            request.headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        readBody(context, ApiEndpoints.takesLargeBody(method, path));
    }

    /** Whether every '%' in {@code text} is followed by two hex digits (true for no text). */
    static boolean validEscapes(String text) {
        if (text == null) {
            return true;
        }
        for (int i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
            if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0 || Character.digit(text.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether a segment of the path is '.' or '..', written plainly or %-encoded ({@code %2E}). */
    static boolean hasDotSegment(String path) {
        for (String segment : path.split("/")) {
            String plain = segment.replace("%2e", ".").replace("%2E", ".");
            if (plain.equals(".") || plain.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private boolean authorized(RoutingContext context, HttpMethod method, String path) {
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.length() <= 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            context.response().putHeader("WWW-Authenticate", "Bearer realm=\"jobqueue\"");
            refuse(context, 401, "this API needs a token: send the header 'Authorization: Bearer <token>'");
            return false;
        }
        int grants = tokens.grants(header.substring(7).trim());
        if (grants == 0) {
            context.response().putHeader("WWW-Authenticate", "Bearer realm=\"jobqueue\", error=\"invalid_token\"");
            refuse(context, 401, "the token is not valid");
            return false;
        }
        ApiRole needed = ApiEndpoints.requiredRole(method, path);
        if (!needed.isIn(grants)) {
            refuse(context, 403, method + " " + path + " needs a token with the '"
                    + needed.name().toLowerCase(Locale.ROOT) + "' role");
            return false;
        }
        return true;
    }

    private void readBody(RoutingContext context, boolean large) {
        HttpServerRequest request = context.request();
        long limit = large ? maxBulkBodyBytes : maxBodyBytes;
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long room;
        if (length != null) {
            room = parseLength(length);
            if (room < 0) {
                refuse(context, 400, "Content-Length is not a number");
                return;
            }
            if (room > limit) {
                refuse(context, 413, tooLargeMessage(context, room));
                return;
            }
        } else {
            // chunked, of a length not known yet: the handler below cuts it off at the limit
            room = request.headers().contains(HttpHeaders.TRANSFER_ENCODING) ? limit : 0;
        }
        if (room > 0) {
            if (buffered.addAndGet(room) > maxBufferedBodyBytes) {
                buffered.addAndGet(-room);
                context.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
                refuse(context, 503, "too many request bodies are being read at once"
                        + " (jobqueue.api.max-buffered-body-bytes); try again shortly");
                return;
            }
            context.addEndHandler(ended -> buffered.addAndGet(-room));
        }
        (large ? largeBodies : smallBodies).handle(context);
    }

    /** What a 413 says: the body's length when it was declared, -1 when it was cut off while it was read. */
    String tooLargeMessage(RoutingContext context, long length) {
        boolean large = ApiEndpoints.takesLargeBody(context.request().method(), context.normalizedPath());
        String limit = large ? maxBulkBodyBytes + " (camel.server.max-body-size)" : maxBodyBytes + " (jobqueue.api.max-body-bytes)";
        return "the body is too large: " + (length < 0 ? "" : length + " bytes; ") + "the limit is " + limit;
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Answers with a JSON error. If a body is coming that has not been read, the connection is closed a moment after
     * the answer has gone: the body is not read (Vert.x stops reading a request no handler takes), and closing at
     * once could reset the connection before the client has read why.
     */
    static void refuse(RoutingContext context, int status, String message) {
        if (context.response().ended()) {
            return;
        }
        boolean closeAfter = unreadBody(context.request());
        if (closeAfter) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
        }
        context.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(JobJson.write(Map.of("error", message)))
                .onComplete(sent -> {
                    if (closeAfter) {
                        context.vertx().setTimer(CLOSE_AFTER_REFUSAL_MS, timer -> context.request().connection().close());
                    }
                });
    }

    private static boolean unreadBody(HttpServerRequest request) {
        if (request.isEnded()) {
            return false;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return length != null ? !length.equals("0") : request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }
}
