package io.jobqueue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.camel.main.Main;

/**
 * The training run behind the class-data-sharing archive that {@code mvn package} makes for bin/redis-job-queue
 * ({@code -Djobqueue.cds-training=true} with {@code -XX:ArchiveClassesAtExit}): the all role, against the embedded
 * Redis on a port of its own and a queue of its own, takes jobs over HTTP (single and bulk, one of them through the
 * example task route) and runs them to completion, so that the archive holds the classes of the request and job
 * paths as well as those of start-up. Not for other use.
 */
final class CdsTraining {

    private static final int JOBS = 200;
    private static final int BULK_JOBS = 2000;

    private CdsTraining() {
    }

    static void run() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Main main = Application.create(Role.ALL, Map.of(
                "camel.server.port", String.valueOf(port),
                "jobqueue.queue-name", "cds_training",
                "jobqueue.events-channel", "cds_training:status",
                "jobqueue.processor.min-duration-ms", "0",
                "jobqueue.processor.max-duration-ms", "0",
                "jobqueue.processor.failure-rate", "0",
                "jobqueue.worker.poll-timeout-seconds", "1"));
        main.start();
        try {
            exercise(port);
        } finally {
            main.stop();
        }
    }

    private static void exercise(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port + "/jobs";
        send(http, base + "/queued", "DELETE", null);
        send(http, base + "/completed", "DELETE", null);
        for (int n = 0; n < JOBS; n++) {
            send(http, base, "POST", "{\"n\":" + n + "}");
        }
        send(http, base + "?maxAttempts=1", "POST", "{\"task\":\"process_payment\",\"amount\":1}");
        StringJoiner bulk = new StringJoiner(",", "[", "]");
        for (int n = 0; n < BULK_JOBS; n++) {
            bulk.add("{\"n\":" + n + "}");
        }
        send(http, base + "/bulk", "POST", bulk.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !send(http, base + "/stats", "GET", null).contains("\"queued\":0,\"processing\":0")) {
            Thread.sleep(100);
        }
        send(http, base + "/completed?count=10", "GET", null);
        send(http, base + "/completed", "DELETE", null);
    }

    private static String send(HttpClient http, String url, String method, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
