package io.jobqueue.api;

import io.vertx.core.http.HttpMethod;

/**
 * What each endpoint asks of a request before it is read: the role its token needs, and how large its body may be.
 * New endpoints slot in here (POST /queues/{queue}/jobs: write; GET /events and /observe/*: read, as every GET is).
 * This runs for every request, so it compares strings and never matches patterns.
 */
final class ApiEndpoints {

    private ApiEndpoints() {
    }

    /** GET and HEAD read; posting jobs writes; anything else (DELETE, retry, unknown paths) needs admin. */
    static ApiRole requiredRole(HttpMethod method, String path) {
        if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
            return ApiRole.READ;
        }
        if (HttpMethod.POST.equals(method) && (path.equals("/jobs") || path.equals("/jobs/bulk"))) {
            return ApiRole.WRITE;
        }
        return ApiRole.ADMIN;
    }

    /**
     * Whether the body may be as large as {@code camel.server.max-body-size} (bulk intake) rather than
     * {@code jobqueue.api.max-body-bytes} (every other endpoint: one job, or no body at all).
     */
    static boolean takesLargeBody(HttpMethod method, String path) {
        return HttpMethod.POST.equals(method) && path.equals("/jobs/bulk");
    }
}
