package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.apache.camel.Processor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Failed attempts are retried with backoff through the delayed set; attempts have timeouts; nothing kills a worker. */
class RetryAndTimeoutTest {

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of(
                "jobqueue.worker.concurrency", "1",
                "jobqueue.retry.base-delay-ms", "200",
                "jobqueue.retry.max-delay-ms", "400",
                "jobqueue.scheduler.interval-ms", "50",
                "jobqueue.job.max-bytes", "4096"));
        app.camel().getRegistry().bind("brokenProcessor", (Processor) exchange -> {
            throw new StackOverflowError();
        });
        app.addTestTaskRoutes();
        redis = TestRedis.plainClient();
    }

    @AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @Test
    void aFailingJobIsRetriedWithBackoffThenFailsWithEveryAttemptsError() throws Exception {
        try (EventRecorder events = new EventRecorder(app.channel)) {
            String id = post("/jobs", "{\"task\":\"fail_until\",\"succeedOn\":99}");

            assertTrue(events.await(all -> events.statusesOf(id).contains("failed"), Duration.ofSeconds(10)));

            assertEquals(List.of("queued", "processing", "retrying", "processing", "retrying", "processing", "failed"),
                    events.statusesOf(id));
            List<JsonNode> retrying = events.all().stream()
                    .filter(e -> e.path("jobId").asText().equals(id) && e.path("status").asText().equals("retrying")).toList();
            assertEquals(1, retrying.get(0).path("attempt").asInt());
            assertEquals(2, retrying.get(1).path("attempt").asInt());
            assertEquals("not yet", retrying.get(0).path("error").asText());
            assertBackoff(events, id, 100);

            JsonNode failed = find(app.queue + ":failed", id);
            assertEquals(3, failed.path("attempts").asInt());
            assertEquals("not yet", failed.path("error").asText());
            assertEquals(3, failed.path("errors").size());
            assertEquals(List.of(1, 2, 3), List.of(failed.path("errors").get(0).path("attempt").asInt(),
                    failed.path("errors").get(1).path("attempt").asInt(), failed.path("errors").get(2).path("attempt").asInt()));
            assertEquals(0, redis.zcard(app.queue + ":delayed"));
        }
    }

    @Test
    void aRetriedJobThatSucceedsIsCompletedAndAJobMaySetItsOwnAttempts() throws Exception {
        String lucky = post("/jobs", "{\"task\":\"fail_until\",\"succeedOn\":2}");
        String limited = post("/jobs?maxAttempts=2", "{\"task\":\"fail_until\",\"succeedOn\":5}");

        assertTrue(Await.until(() -> contains(app.queue + ":completed", lucky) && contains(app.queue + ":failed", limited)));
        JsonNode completed = find(app.queue + ":completed", lucky);
        assertEquals(2, completed.path("attempts").asInt());
        assertEquals("attempt 2", completed.path("result").asText());
        assertEquals(1, completed.path("errors").size(), "the failed first attempt is kept");
        JsonNode failed = find(app.queue + ":failed", limited);
        assertEquals(2, failed.path("attempts").asInt());
        assertEquals(2, failed.path("maxAttempts").asInt());
    }

    @Test
    void perJobOptionsAreChecked() throws Exception {
        assertEquals(400, app.post("/jobs?maxAttempts=0", "{}").statusCode());
        assertEquals(400, app.post("/jobs?maxAttempts=many", "{}").statusCode());
        assertEquals(400, app.post("/jobs?timeoutMs=-5", "{}").statusCode());
        assertTrue(app.post("/jobs?timeoutMs=-5", "{}").body().contains("timeoutMs must be a whole number"));
    }

    @Test
    void anAttemptOverItsTimeoutFailsWithATimeoutErrorAndTheWorkerMovesOn() throws Exception {
        String slow = post("/jobs?timeoutMs=300&maxAttempts=1", "{\"task\":\"sleep\",\"ms\":60000}");
        String next = post("/jobs", "{\"task\":\"sleep\",\"ms\":1}");
        long started = System.nanoTime();

        assertTrue(Await.until(() -> contains(app.queue + ":completed", next)), "the only worker was free again");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos());
        JsonNode failed = find(app.queue + ":failed", slow);
        assertEquals("timeout: the attempt ran longer than 300 ms", failed.path("error").asText());
    }

    @Test
    void anErrorThrownByTheProcessingFailsTheJobAndTheWorkerLivesOn() throws Exception {
        String broken = post("/jobs?maxAttempts=1", "{\"task\":\"throw_error\"}");
        String next = post("/jobs", "{\"task\":\"sleep\",\"ms\":1}");

        assertTrue(Await.until(() -> contains(app.queue + ":completed", next)));
        assertEquals("StackOverflowError", find(app.queue + ":failed", broken).path("error").asText());
    }

    @Test
    void aValueOverTheSizeLimitIsFailedUnreadWithItsText() throws Exception {
        String big = "{\"id\":\"job_big\",\"data\":{\"pad\":\"" + "x".repeat(5000) + "\"}}";
        redis.lpush(app.queue, big);
        String next = post("/jobs", "{\"task\":\"sleep\",\"ms\":1}");

        assertTrue(Await.until(() -> contains(app.queue + ":completed", next)));
        JsonNode failed = null;
        for (String value : redis.lrange(app.queue + ":failed", 0, -1)) {
            if (value.contains("job_big")) {
                failed = JobJson.read(value);
            }
        }
        assertTrue(failed != null, "the oversized value is in the failed list");
        assertEquals("the job is " + big.length() + " bytes, over the limit of 4096 (jobqueue.job.max-bytes)",
                failed.path("error").asText());
        assertEquals(big, failed.path("raw").asText(), "nothing of it is lost");
    }

    private static void assertBackoff(EventRecorder events, String id, long atLeastMs) {
        Instant retrying = null;
        for (JsonNode event : events.all()) {
            if (!event.path("jobId").asText().equals(id)) {
                continue;
            }
            Instant at = Instant.parse(event.path("timestamp").asText());
            if (event.path("status").asText().equals("retrying")) {
                retrying = at;
            } else if (event.path("status").asText().equals("processing") && retrying != null) {
                assertTrue(Duration.between(retrying, at).toMillis() >= atLeastMs,
                        "the next attempt waited out the backoff: " + Duration.between(retrying, at));
                retrying = null;
            }
        }
    }

    private static String post(String path, String body) throws Exception {
        var response = app.post(path, body);
        assertEquals(201, response.statusCode(), response.body());
        return JobJson.read(response.body()).path("id").asText();
    }

    private static boolean contains(String key, String id) {
        return redis.lrange(key, 0, -1).stream().anyMatch(value -> value.contains("\"" + id + "\""));
    }

    static JsonNode find(String key, String id) {
        try (Jedis client = TestRedis.plainClient()) {
            for (String value : client.lrange(key, 0, -1)) {
                JsonNode job = JobJson.read(value);
                if (id.equals(job.path("id").asText())) {
                    return job;
                }
            }
        }
        throw new AssertionError(id + " is not in " + key);
    }

}
