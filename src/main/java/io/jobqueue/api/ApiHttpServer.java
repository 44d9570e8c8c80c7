package io.jobqueue.api;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import com.sun.management.UnixOperatingSystemMXBean;
import io.jobqueue.JobQueueSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.component.vertx.common.VertxHelper;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's Vert.x HTTP server with the limits it cannot be given by configuration: Camel's server makes its
 * {@code HttpServerOptions} itself and installs no connection handler, so this one replaces how the server is
 * started and stopped, and keeps everything else (the platform-http router that the REST DSL and the management
 * server find in the registry by port; the body handler they install, which {@link RequestGate} makes a no-op by
 * reading the body first).
 * <p>
 * Requests pass, in order: the connection limits ({@link ConnectionLimits}; idle connections are closed by Vert.x
 * after {@code jobqueue.api.idle-timeout-ms}); the {@link RequestGate}; the Camel routes; the answers for requests no
 * route took ({@link HttpRouterHandlers}).
 */
final class ApiHttpServer extends VertxPlatformHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpServer.class);
    /** File descriptors the process needs besides HTTP connections: the JVM's own, Redis connections, logs. */
    private static final int FILES_FOR_THE_REST = 256;

    private final VertxPlatformHttpServerConfiguration configuration;
    private final JobQueueSettings.Api settings;
    /** The router the Camel routes are on (Camel's server makes it, and binds it in the registry for them). */
    private VertxPlatformHttpRouter routes;
    private RequestGate gate;
    private HttpServer server;
    /** The Vert.x instance this server made (none was in the registry), which it closes when it stops. */
    private Vertx ownVertx;

    ApiHttpServer(VertxPlatformHttpServerConfiguration configuration, JobQueueSettings.Api settings) {
        super(configuration);
        this.configuration = configuration;
        this.settings = settings;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (getVertx() == null) {
            // made here rather than by Camel's server, whose way of closing it needs the executor its startServer makes
            ownVertx = createVertxInstance();
            setVertx(ownVertx);
        }
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (ownVertx != null) {
            ownVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            ownVertx = null;
        }
    }

    @Override
    protected void initializeServer() {
        super.initializeServer();
        routes = VertxPlatformHttpRouter.lookup(getCamelContext(),
                VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getBindPort()));
        long maxBulkBodyBytes = configuration.getMaxBodySize() != null ? configuration.getMaxBodySize() : Long.MAX_VALUE;
        gate = new RequestGate(settings.tokens(), settings.maxBodyBytes(), maxBulkBodyBytes, settings.maxBufferedBodyBytes());
        if (settings.maxBufferedBodyBytes() < Math.max(settings.maxBodyBytes(), maxBulkBodyBytes)) {
            LOG.warn("jobqueue.api.max-buffered-body-bytes={} is less than the largest body allowed: larger bodies will"
                    + " always get 503", settings.maxBufferedBodyBytes());
        }
        HttpRouterHandlers.addTo(routes, gate);
    }

    @Override
    protected void startServer() throws Exception {
        HttpServerOptions options = new HttpServerOptions()
                // without the h2c upgrade, Vert.x sets up each connection (and calls the connection handler) when it
                // opens, not when its first request is complete: the connection limits must see it from the start
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout((int) settings.idleTimeoutMs())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        SSLContextParameters ssl = configuration.getSslContextParameters() != null ? configuration.getSslContextParameters()
                : configuration.isUseGlobalSslContextParameters() ? getCamelContext().getSSLContextParameters() : null;
        if (ssl != null) {
            VertxHelper.setupSSLOptions(getCamelContext(), ssl, options);
        }

        Router root = Router.router(getVertx());
        root.route().handler(gate);
        root.route(configuration.getPath() + "*").subRouter(routes);
        root.route().failureHandler(failed -> HttpRouterHandlers.answerFailure(failed, gate));
        // a target Vert.x cannot decode (a bad %-escape) fails before any route: still a JSON error
        root.errorHandler(400, failed -> RequestGate.refuse(failed, 400, "the request target is not a valid URI path"));

        server = getVertx().createHttpServer(options)
                .connectionHandler(new ConnectionLimits(connectionCap(), settings.headerTimeoutMs()))
                .requestHandler(root);
        server.listen(configuration.getBindPort(), configuration.getBindHost())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("HTTP server listening on {}:{}", configuration.getBindHost(), server.actualPort());
    }

    /** jobqueue.api.max-connections, or fewer if the open-file limit would not allow as many. */
    private int connectionCap() {
        int cap = settings.maxConnections();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long files = unix.getMaxFileDescriptorCount();
            if (files - FILES_FOR_THE_REST < cap) {
                cap = (int) Math.max(1, files - FILES_FOR_THE_REST);
                LOG.warn("Open-file limit {}: serving at most {} HTTP connections, not {} (jobqueue.api.max-connections);"
                        + " raise the limit (ulimit -n) to serve more", files, cap, settings.maxConnections());
            } else {
                LOG.info("Open-file limit {}; at most {} HTTP connections (jobqueue.api.max-connections)", files, cap);
            }
        }
        return cap;
    }

    @Override
    protected void stopServer() {
        if (server != null) {
            // as Camel's server does: a context started again makes a new component, with a new router
            getCamelContext().removeComponent(PlatformHttpConstants.PLATFORM_HTTP_COMPONENT_NAME);
            try {
                server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                LOG.info("HTTP server stopped");
            } catch (Exception e) {
                LOG.warn("Failed to close the HTTP server: {}", e.toString());
            } finally {
                server = null;
            }
        }
    }

    RequestGate gate() {
        return gate;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : configuration.getBindPort();
    }
}
