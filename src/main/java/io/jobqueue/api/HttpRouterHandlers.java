package io.jobqueue.api;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.jobqueue.job.JobJson;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * What the Vert.x HTTP router does around the Camel routes. Before them: a body labelled form-encoded is relabelled
 * JSON, because {@code curl -d '{...}'} labels every body so and the platform-http consumer would parse the JSON text
 * as a form (the API reads every body as JSON anyway). After them: JSON answers for the requests that never reach a
 * Camel route: an unknown path (404), a known path with another method (405, with {@code Allow}), a body over {@code camel.server.max-body-size} (refused by Vert.x while it reads the
 * body), or a failure while writing. Everything else is answered by {@link ApiErrors}.
 */
public final class HttpRouterHandlers implements ExtendedStartupListener {

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the HTTP router exists once the context has started
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            addTo(router);
        }
    }

    private static void addTo(VertxPlatformHttpRouter router) {
        router.route().order(-1000).handler(request -> { // first, before the body is read and parsed
            String type = request.request().getHeader("Content-Type");
            if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
                request.request().headers().set("Content-Type", "application/json");
            }
            request.next();
        });
        router.route().last().handler(request -> {
            String path = request.request().path();
            Set<String> allowed = methodsServing(router, path);
            if (allowed.isEmpty()) {
                answer(request, 404, "no such endpoint: " + request.request().method() + " " + path);
            } else {
                request.response().putHeader("Allow", String.join(", ", allowed));
                answer(request, 405, request.request().method() + " is not allowed on " + path + "; use "
                        + String.join(" or ", allowed));
            }
        });
        router.route().failureHandler(request -> {
            int status = request.statusCode() > 0 ? request.statusCode() : 500;
            answer(request, status, status == 413 ? "the body is too large (camel.server.max-body-size)"
                    : status == 500 ? "internal error" : "request failed");
        });
    }

    /** The methods of the routes whose path ({@code /jobs/:queueType} style) matches {@code path}. */
    private static Set<String> methodsServing(Router router, String path) {
        Set<String> methods = new TreeSet<>();
        String[] segments = path.split("/", -1);
        for (Route route : router.getRoutes()) {
            Set<HttpMethod> routeMethods = route.methods();
            if (route.getPath() != null && routeMethods != null && matches(route.getPath().split("/", -1), segments)) {
                routeMethods.forEach(method -> methods.add(method.name()));
            }
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

    private static void answer(RoutingContext request, int status, String message) {
        if (!request.response().ended()) {
            request.response().setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(JobJson.write(Map.of("error", message)));
        }
    }
}
