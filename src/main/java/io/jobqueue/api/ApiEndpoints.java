package io.jobqueue.api;

import io.vertx.core.http.HttpMethod;

/**
 * What each endpoint asks of a request before it is read: how large its body may be. New endpoints slot in here.
 * This runs for every request, so it compares strings and never matches patterns.
 */
final class ApiEndpoints {

    private ApiEndpoints() {
    }

    /**
     * Whether the body may be as large as {@code camel.server.max-body-size} (bulk intake) rather than
     * {@code jobqueue.api.max-body-bytes} (every other endpoint: one job, or no body at all).
     */
    static boolean takesLargeBody(HttpMethod method, String path) {
        return HttpMethod.POST.equals(method) && path.equals("/jobs/bulk");
    }
}
