package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The packaged jar, run as separate processes that share only Redis: the seed's producer, consumers and monitor. */
class ProcessesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    private String queue;
    private Map<String, String> settings;

    @BeforeEach
    void ownQueue() {
        queue = "it_" + UUID.randomUUID().toString().substring(0, 8);
        settings = new HashMap<>(Map.of(
                "jobqueue.queue-name", queue,
                "jobqueue.events-channel", queue + ":status",
                "jobqueue.processor.min-duration-ms", "5",
                "jobqueue.processor.max-duration-ms", "20",
                "jobqueue.processor.failure-rate", "0",
                "jobqueue.worker.poll-timeout-seconds", "1"));
    }

    @Test
    void apiAndTwoWorkerProcessesShareTheQueue() throws Exception {
        int port = TestRedis.freePort();
        Map<String, String> env = Map.of("REDIS_URL", TestRedis.url());
        Map<String, String> apiSettings = new HashMap<>(settings);
        apiSettings.put("camel.server.port", String.valueOf(port));
        try (EventRecorder events = new EventRecorder(queue + ":status");
             JarProcess api = JarProcess.start(work.resolve("api"), "api", apiSettings, env);
             JarProcess worker1 = JarProcess.start(work.resolve("w1"), "worker", settings, env);
             JarProcess worker2 = JarProcess.start(work.resolve("w2"), "worker", settings, env);
             Jedis redis = TestRedis.plainClient()) {
            assertTrue(api.awaitLog("started in", Duration.ofSeconds(60)), api.stderr());
            assertTrue(worker1.awaitLog("workers taking jobs", Duration.ofSeconds(60)), worker1.stderr());
            assertTrue(worker2.awaitLog("workers taking jobs", Duration.ofSeconds(60)), worker2.stderr());
            assertFalse(api.stderr().contains("workers taking jobs"), "the api role runs no workers");

            for (int n = 0; n < 40; n++) {
                HttpResponse<String> response = post(port, "{\"n\":" + n + "}");
                assertEquals(201, response.statusCode(), response.body());
            }
            assertTrue(events.await(all -> count(all, "completed") == 40, Duration.ofSeconds(30)), events.all().toString());

            Set<String> processes = new HashSet<>();
            for (JsonNode event : events.all()) {
                if (event.path("status").asText().equals("completed")) {
                    String workerId = event.path("workerId").asText();
                    processes.add(workerId.substring(0, workerId.lastIndexOf('-')));
                }
            }
            assertEquals(Set.of(processPrefix(worker1), processPrefix(worker2)), processes, "both worker processes took jobs");
            assertEquals(40, redis.llen(queue + ":completed"));
        }
    }

    @Test
    void theMonitorPrintsEveryEventAndTheQueueLengths() throws Exception {
        try (Jedis redis = TestRedis.plainClient();
             JarProcess monitor = JarProcess.start(work.resolve("monitor"), "monitor", settings,
                     Map.of("REDIS_URL", TestRedis.url()))) {
            redis.lpush(queue, "{\"id\":\"job_1\",\"data\":{}}", "{\"id\":\"job_2\",\"data\":{}}");
            assertTrue(monitor.awaitOutput("queued=2 processing=0 completed=0 failed=0", Duration.ofSeconds(60)),
                    monitor.stdout() + monitor.stderr());

            redis.publish(queue + ":status", "{\"jobId\":\"job_1\",\"status\":\"processing\",\"workerId\":\"h-1-1\","
                    + "\"timestamp\":\"2024-01-01T10:00:01.000Z\"}");
            redis.publish(queue + ":status", "{\"jobId\":\"job_1\",\"status\":\"failed\",\"workerId\":\"h-1-1\","
                    + "\"timestamp\":\"2024-01-01T10:00:02.000Z\",\"error\":\"Random processing error\"}");

            assertTrue(monitor.awaitOutput("error=Random processing error", Duration.ofSeconds(10)), monitor.stdout());
            List<String> lines = monitor.stdout().lines().toList();
            assertTrue(lines.stream().anyMatch(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  processing +job_1  worker=h-1-1")),
                    String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(line -> line.contains("failed      job_1  worker=h-1-1")), String.join("\n", lines));

            // events are printed in the order they were published
            for (int n = 0; n < 100; n++) {
                redis.publish(queue + ":status", "{\"jobId\":\"order_" + n + "\",\"status\":\"queued\","
                        + "\"timestamp\":\"2024-01-01T10:00:03.000Z\"}");
            }
            assertTrue(monitor.awaitOutput("order_99", Duration.ofSeconds(10)), monitor.stdout());
            List<String> printed = monitor.stdout().lines().filter(line -> line.contains("order_"))
                    .map(line -> line.substring(line.indexOf("order_"))).toList();
            List<String> published = new java.util.ArrayList<>();
            for (int n = 0; n < 100; n++) {
                published.add("order_" + n);
            }
            assertEquals(published, printed);
            assertExitAfterSigterm(monitor.terminate(Duration.ofSeconds(20)));
        }
    }

    @Test
    void theMonitorResubscribesByItselfAfterRedisComesBack() throws Exception {
        try (PrivateRedis redis = new PrivateRedis(work.resolve("redis"));
             JarProcess monitor = JarProcess.start(work.resolve("monitor"), "monitor", settings, Map.of("REDIS_URL", redis.url()))) {
            assertTrue(monitor.awaitOutput("stats", Duration.ofSeconds(60)), monitor.stderr());
            redis.stop();
            Thread.sleep(3000);
            redis.start();

            try (Jedis client = redis.client()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!monitor.stdout().contains("job_after_outage") && System.nanoTime() < deadline) {
                    client.publish(queue + ":status", "{\"jobId\":\"job_after_outage\",\"status\":\"queued\","
                            + "\"timestamp\":\"2024-01-01T10:00:00.000Z\"}");
                    Thread.sleep(500);
                }
            }
            assertTrue(monitor.stdout().contains("queued      job_after_outage"), monitor.stdout() + monitor.stderr());
            assertTrue(monitor.isAlive());
        }
    }

    @Test
    void sigtermLetsTheJobInHandFinishAndLeavesNothingHalfMoved() throws Exception {
        Map<String, String> slow = new HashMap<>(settings);
        slow.put("jobqueue.processor.min-duration-ms", "3000");
        slow.put("jobqueue.processor.max-duration-ms", "3000");
        slow.put("jobqueue.worker.concurrency", "1");
        try (Jedis redis = TestRedis.plainClient();
             EventRecorder events = new EventRecorder(queue + ":status");
             JarProcess worker = JarProcess.start(work.resolve("worker"), "worker", slow, Map.of("REDIS_URL", TestRedis.url()))) {
            assertTrue(worker.awaitLog("workers taking jobs", Duration.ofSeconds(60)), worker.stderr());
            redis.lpush(queue, "{\"id\":\"job_slow\",\"data\":{}}");
            assertTrue(events.await(all -> count(all, "processing") == 1, Duration.ofSeconds(10)));
            redis.lpush(queue, "{\"id\":\"job_waiting\",\"data\":{}}");

            long asked = System.nanoTime();
            assertExitAfterSigterm(worker.terminate(Duration.ofSeconds(40)));
            long tookMs = (System.nanoTime() - asked) / 1_000_000;

            // pushed by a plain client, so the worker announced it ('queued') when it took it
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_slow"));
            assertEquals(1, redis.llen(queue + ":completed"));
            assertEquals(0, redis.llen(queue + ":processing"), "nothing left half-moved");
            assertEquals(0, redis.zcard(queue + ":workers"), "the worker deregistered");
            assertTrue(redis.keys(queue + ":reserved:*").isEmpty(), "no reserved list left");
            assertEquals(List.of("{\"id\":\"job_waiting\",\"data\":{}}"), redis.lrange(queue, 0, -1), "the next job was not taken");
            assertTrue(tookMs >= 1000, "the process waited for the job in hand (" + tookMs + " ms)");
        }
    }

    @Test
    void withNoRedisUrlTheFirstProcessStartsAnEmbeddedRedisThatOthersShare() throws Exception {
        int port = TestRedis.freePort();
        int redisPort = TestRedis.freePort();
        Map<String, String> local = new HashMap<>(settings);
        local.put("jobqueue.redis.embedded-port", String.valueOf(redisPort));
        Map<String, String> apiSettings = new HashMap<>(local);
        apiSettings.put("camel.server.port", String.valueOf(port));
        Path shared = work.resolve("app");
        try (JarProcess api = JarProcess.start(shared, "api", apiSettings, Map.of())) {
            assertTrue(api.awaitLog("started in", Duration.ofSeconds(60)), api.stderr());
            assertTrue(api.stderr().contains("started an embedded Redis on 127.0.0.1:" + redisPort), api.stderr());
            assertEquals(201, post(port, "{\"hello\":\"world\"}").statusCode());

            // a worker in another directory, given the same data directory: it reads the password there
            Map<String, String> sameData = new HashMap<>(local);
            sameData.put("jobqueue.redis.embedded-dir", shared.resolve("data/redis").toString());
            try (JarProcess worker = JarProcess.start(work.resolve("worker"), "worker", sameData, Map.of());
                 Jedis redis = new Jedis("127.0.0.1", redisPort)) {
                redis.auth(Files.readString(shared.resolve("data/redis/password")).strip());
                assertTrue(worker.awaitLog("using the embedded Redis already running on 127.0.0.1:" + redisPort,
                        Duration.ofSeconds(60)), worker.stderr());
                assertTrue(Await.until(() -> redis.llen(queue + ":completed") == 1), "the worker processed the posted job");
                assertExitAfterSigterm(worker.terminate(Duration.ofSeconds(20)));
            }
            assertExitAfterSigterm(api.terminate(Duration.ofSeconds(20)));
        }
        assertTrue(Files.exists(shared.resolve("data/redis")), "data directory");
        try (Jedis gone = new Jedis("127.0.0.1", redisPort)) {
            assertThrows(JedisConnectionException.class, gone::ping, "the embedded Redis stopped with the process that started it");
        }
    }

    /** A JVM that ends on SIGTERM after running its shutdown hooks exits with 143 (128 + 15). */
    private static void assertExitAfterSigterm(int code) {
        assertTrue(code == 143 || code == 0, "exit code " + code);
    }

    private static String processPrefix(JarProcess process) throws Exception {
        String log = process.stderr();
        String marker = "(worker ids ";
        int at = log.indexOf(marker) + marker.length();
        return log.substring(at, log.indexOf("-1..", at));
    }

    private static long count(List<JsonNode> events, String status) {
        return events.stream().filter(event -> event.path("status").asText().equals(status)).count();
    }

    private static HttpResponse<String> post(int port, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

}
