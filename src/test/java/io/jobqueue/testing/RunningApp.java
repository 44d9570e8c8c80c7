package io.jobqueue.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.jobqueue.Application;
import io.jobqueue.Role;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.support.PluginHelper;

/**
 * The application started in this JVM, as {@code java -jar} would start it, on a free HTTP port, against the test
 * Redis, with a queue and channel of its own so that tests never see each other's jobs.
 */
public final class RunningApp implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public final int port;
    public final String queue;
    public final String channel;
    private final Main main;

    private RunningApp(Main main, int port, String queue, String channel) {
        this.main = main;
        this.port = port;
        this.queue = queue;
        this.channel = channel;
    }

    /** Starts the given role; {@code settings} are added to (and win over) the test defaults: 0-10 ms jobs that never fail. */
    public static RunningApp start(Role role, Map<String, String> settings) throws Exception {
        int port = settings.containsKey("camel.server.port") ? Integer.parseInt(settings.get("camel.server.port")) : TestRedis.freePort();
        String queue = "test_" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> overrides = new HashMap<>();
        overrides.put("camel.server.port", String.valueOf(port));
        overrides.put("jobqueue.redis.url", TestRedis.url());
        overrides.put("jobqueue.queue-name", queue);
        overrides.put("jobqueue.events-channel", queue + ":status");
        overrides.put("jobqueue.processor.min-duration-ms", "0");
        overrides.put("jobqueue.processor.max-duration-ms", "10");
        overrides.put("jobqueue.processor.failure-rate", "0");
        overrides.put("jobqueue.worker.poll-timeout-seconds", "1");
        overrides.put("camel.main.shutdown-timeout", "10");
        overrides.putAll(settings);
        Main main = Application.create(role, overrides);
        try {
            main.start();
        } catch (Exception failedToStart) {
            main.stop();
            throw failedToStart;
        }
        return new RunningApp(main, port, overrides.get("jobqueue.queue-name"), overrides.get("jobqueue.events-channel"));
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    /**
     * Loads the test-only task routes of {@code src/test/resources/tasks/test-tasks.camel.yaml}. The {@code throw_error}
     * route needs a 'brokenProcessor' bean: unless the test bound its own, one that throws a StackOverflowError.
     */
    public void addTestTaskRoutes() throws Exception {
        if (camel().getRegistry().lookupByName("brokenProcessor") == null) {
            camel().getRegistry().bind("brokenProcessor", (org.apache.camel.Processor) exchange -> {
                throw new StackOverflowError();
            });
        }
        PluginHelper.getRoutesLoader(camel()).loadRoutes(
                PluginHelper.getResourceLoader(camel()).resolveResource("classpath:tasks/test-tasks.camel.yaml"));
    }

    public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return post(path, body, "application/json");
    }

    public HttpResponse<String> post(String path, String body, String contentType) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    @Override
    public void close() {
        main.stop();
    }
}
