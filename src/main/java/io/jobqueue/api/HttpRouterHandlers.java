package io.jobqueue.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON answers for the requests that no Camel route answers: an unknown path (404), a known path with another method
 * (405, with {@code Allow}), a body cut off at its limit while it was read (413), or a failure in Vert.x. Everything
 * the routes refuse is answered by {@link ApiErrors}.
 */
final class HttpRouterHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(HttpRouterHandlers.class);

    private HttpRouterHandlers() {
    }

    /** Adds the answers to the router the Camel routes are on; they look at its routes when a request comes. */
    static void addTo(Router router, RequestGate gate) {
        router.route().last().handler(request -> {
            String path = request.normalizedPath(); // what the routes were matched against
            Set<String> allowed = methodsServing(router, path);
            if (allowed.isEmpty()) {
                RequestGate.refuse(request, 404, "no such endpoint: " + request.request().method() + " " + path);
            } else {
                request.response().putHeader("Allow", String.join(", ", allowed));
                RequestGate.refuse(request, 405, request.request().method() + " is not allowed on " + path + "; use "
                        + String.join(" or ", allowed));
            }
        });
        router.route().failureHandler(failed -> answerFailure(failed, gate));
    }

    static void answerFailure(RoutingContext failed, RequestGate gate) {
        int status = failed.statusCode() > 0 ? failed.statusCode() : 500;
        if (status == 413) {
            RequestGate.refuse(failed, 413, gate.tooLargeMessage(failed, -1));
        } else if (status >= 500) {
            LOG.error("Request {} {} failed", failed.request().method(), failed.request().path(), failed.failure());
            RequestGate.refuse(failed, status, "internal error");
        } else {
            RequestGate.refuse(failed, status, "request failed");
        }
    }

    /**
     * The methods that serve {@code path}, as the router would choose: where a route names the path literally
     * ({@code /jobs/stats}), only such routes count, not one that would take it as a parameter
     * ({@code /jobs/:queueType}); where GET serves, so does HEAD.
     */
    static Set<String> methodsServing(Router router, String path) {
        String[] segments = path.split("/", -1);
        List<Route> literal = new ArrayList<>();
        List<Route> withParameters = new ArrayList<>();
        for (Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null) {
                continue;
            }
            String[] pattern = route.getPath().split("/", -1);
            if (route.getPath().equals(path)) {
                literal.add(route);
            } else if (matches(pattern, segments)) {
                withParameters.add(route);
            }
        }
        Set<String> methods = new TreeSet<>();
        for (Route route : literal.isEmpty() ? withParameters : literal) {
            route.methods().forEach(method -> methods.add(method.name()));
        }
        if (methods.contains(HttpMethod.GET.name())) {
            methods.add(HttpMethod.HEAD.name());
        }
        return methods;
    }

    private static boolean matches(String[] pattern, String[] segments) {
        if (pattern.length != segments.length) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            boolean parameter = pattern[i].startsWith(":") && !segments[i].isEmpty();
            if (!parameter && !pattern[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }
}
