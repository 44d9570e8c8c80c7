package io.jobqueue.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import io.jobqueue.JobQueueSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives camel-main ({@code camel.server.enabled=true}) our {@link ApiHttpServer} instead of its own: camel-main takes
 * a factory from the registry before looking for its default one. The {@code camel.server.*} settings keep their
 * meaning (port, path, max-body-size, SSL), except the host, whose default depends on whether tokens are set: see
 * {@link #bindHost}. The management server (health and metrics, later) is camel-main's own, and shares our server
 * when it is given the same port.
 */
public final class ApiHttpServerFactory implements MainHttpServerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpServerFactory.class);

    @Override
    public Service newHttpServer(CamelContext camel, HttpServerConfigurationProperties properties) {
        JobQueueSettings.Api settings = JobQueueSettings.of(camel).api();
        // camel-main fills in 0.0.0.0 when camel.server.host is not set; whether it was set is what counts here
        Optional<String> host = camel.getPropertiesComponent().resolveProperty("camel.server.host")
                .map(String::trim).filter(value -> !value.isEmpty());
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(bindHost(host, settings.tokens(), settings.allowAnonymous()));
        configuration.setBindPort(properties.getPort());
        configuration.setPath(properties.getPath());
        configuration.setMaxBodySize(properties.getMaxBodySize());
        configuration.setUseGlobalSslContextParameters(properties.isUseGlobalSslContextParameters());
        return new ApiHttpServer(configuration, settings);
    }

    @Override
    public Service newHttpManagementServer(CamelContext camel, HttpManagementServerConfigurationProperties properties) {
        DefaultMainHttpServerFactory camelMains = new DefaultMainHttpServerFactory();
        camelMains.setCamelContext(camel);
        return camelMains.newHttpManagementServer(camel, properties);
    }

    /**
     * Where the API listens. Without tokens anyone who can reach it may clear and retry queues, so it serves this
     * machine only unless told otherwise twice: a non-loopback {@code camel.server.host} and
     * {@code jobqueue.api.allow-anonymous=true}. With tokens it listens on every interface unless a host is set.
     *
     * @throws IllegalStateException when a non-loopback host is set without tokens and without allow-anonymous
     */
    static String bindHost(Optional<String> configured, ApiTokens tokens, boolean allowAnonymous) {
        if (!tokens.isEmpty()) {
            LOG.info("API tokens: {}; requests without a valid token are refused", tokens.size());
            return configured.orElse("0.0.0.0");
        }
        if (configured.isEmpty() || isLoopback(configured.get())) {
            LOG.info("API open to this machine only; set jobqueue.api.tokens to serve other hosts");
            return configured.orElse("127.0.0.1");
        }
        if (!allowAnonymous) {
            throw new IllegalStateException("camel.server.host=" + configured.get() + " would let any host that can reach"
                    + " it use the API without a token: set jobqueue.api.tokens (or jobqueue.api.tokens-file), or set"
                    + " jobqueue.api.allow-anonymous=true to serve it open anyway");
        }
        LOG.warn("API open to every host that can reach {} without a token (jobqueue.api.allow-anonymous=true)",
                configured.get());
        return configured.get();
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false; // Vert.x will say it cannot bind; here it only counts as not this machine's own
        }
    }
}
