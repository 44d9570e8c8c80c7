package io.jobqueue.api;

import java.util.Map;

import io.jobqueue.job.JobJson;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * What the Vert.x HTTP router does around the Camel routes. Before them: a body labelled form-encoded is relabelled
 * JSON, because {@code curl -d '{...}'} labels every body so and the platform-http consumer would parse the JSON text
 * as a form (the API reads every body as JSON anyway). After them: JSON answers for the requests that never reach a
 * Camel route: an unknown path, a body over {@code camel.server.max-body-size} (refused by Vert.x while it reads the
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
        router.route().last().handler(request -> answer(request, 404,
                "no such endpoint: " + request.request().method() + " " + request.request().path()));
        router.route().failureHandler(request -> {
            int status = request.statusCode() > 0 ? request.statusCode() : 500;
            answer(request, status, status == 413 ? "the body is too large (camel.server.max-body-size)"
                    : status == 500 ? "internal error" : "request failed");
        });
    }

    private static void answer(RoutingContext request, int status, String message) {
        if (!request.response().ended()) {
            request.response().setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(JobJson.write(Map.of("error", message)));
        }
    }
}
