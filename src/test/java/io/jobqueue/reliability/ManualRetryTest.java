package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Failed jobs moved back to the queue by hand, against the api role (no workers, so they stay queued). */
class ManualRetryTest {

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of());
        redis = TestRedis.plainClient();
    }

    @BeforeEach
    void empty() throws Exception {
        app.delete("/jobs/failed");
        app.delete("/jobs/queued");
    }

    @org.junit.jupiter.api.AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @Test
    void oneFailedJobGoesBackToTheQueueWithItsAttemptsReset() throws Exception {
        redis.lpush(app.queue + ":failed", failedJob("job_a"), failedJob("job_b"));
        try (EventRecorder events = new EventRecorder(app.channel)) {
            var response = app.post("/jobs/failed/job_a/retry", "");

            assertEquals(200, response.statusCode(), response.body());
            JsonNode queued = JobJson.read(response.body());
            assertEquals("job_a", queued.path("id").asText());
            assertEquals("queued", queued.path("status").asText());
            assertEquals(0, queued.path("attempts").asInt());
            assertEquals(3, queued.path("errors").size(), "the history of its attempts is kept");
            assertTrue(queued.path("error").isMissingNode());
            assertEquals(List.of(response.body()), redis.lrange(app.queue, 0, -1));
            assertEquals(1, redis.llen(app.queue + ":failed"));
            assertTrue(events.await(all -> events.statusesOf("job_a").equals(List.of("queued")), Duration.ofSeconds(5)));
        }
    }

    @Test
    void unknownIdsAndRecordsThatAreNotJobsAreRefused() throws Exception {
        redis.lpush(app.queue + ":failed", "{\"id\":\"invalid_1_x\",\"invalid\":\"not a job: invalid JSON\",\"raw\":\"oops\"}");

        var unknown = app.post("/jobs/failed/job_nope/retry", "");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("no failed job with id 'job_nope'"));
        var invalid = app.post("/jobs/failed/invalid_1_x/retry", "");
        assertEquals(409, invalid.statusCode());
        assertEquals(1, redis.llen(app.queue + ":failed"));
    }

    @Test
    void everyFailedJobGoesBackAndTheAnswerSaysWhich() throws Exception {
        for (int i = 0; i < 1500; i++) {
            redis.lpush(app.queue + ":failed", failedJob("job_" + i));
        }
        redis.lpush(app.queue + ":failed", "{\"id\":\"invalid_2_y\",\"invalid\":\"x\",\"raw\":\"oops\"}");

        var response = app.post("/jobs/failed/retry", "");

        assertEquals(200, response.statusCode());
        JsonNode answer = JobJson.read(response.body());
        assertEquals(1500, answer.path("retried").asInt());
        assertEquals(1500, answer.path("ids").size());
        assertEquals(1, answer.path("skipped").asInt());
        assertEquals(1500, redis.llen(app.queue));
        assertEquals(1, redis.llen(app.queue + ":failed"));
    }

    private static String failedJob(String id) {
        return "{\"id\":\"" + id + "\",\"data\":{\"n\":1},\"createdAt\":\"2024-01-01T10:00:00.000Z\",\"status\":\"failed\","
                + "\"attempts\":3,\"error\":\"boom\",\"errors\":[{\"attempt\":1,\"error\":\"boom\"},{\"attempt\":2,\"error\":\"boom\"},"
                + "{\"attempt\":3,\"error\":\"boom\"}],\"workerId\":\"h-1-1\",\"finishedAt\":\"2024-01-01T10:00:09.000Z\"}";
    }
}
