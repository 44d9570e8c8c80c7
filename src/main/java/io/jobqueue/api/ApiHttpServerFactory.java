package io.jobqueue.api;

import io.jobqueue.JobQueueSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * Gives camel-main ({@code camel.server.enabled=true}) our {@link ApiHttpServer} instead of its own: camel-main takes
 * a factory from the registry before looking for its default one. The {@code camel.server.*} settings keep their
 * meaning (host, port, path, max-body-size, SSL). The management server (health and metrics, later) is camel-main's
 * own, and shares our server when it is given the same port.
 */
public final class ApiHttpServerFactory implements MainHttpServerFactory {

    @Override
    public Service newHttpServer(CamelContext camel, HttpServerConfigurationProperties properties) {
        JobQueueSettings.Api settings = JobQueueSettings.of(camel).api();
        VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
        configuration.setBindHost(properties.getHost());
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
}
