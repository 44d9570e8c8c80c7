package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A worker that dies leaves its jobs in processing. Here the dead worker is played by a plain client that puts jobs
 * where a worker would have left them; the reaper of a live worker process must give them back.
 */
class StalledJobsTest {

    private RunningApp app;
    private Jedis redis;

    @BeforeEach
    void start() throws Exception {
        app = RunningApp.start(Role.WORKER, Map.of(
                "jobqueue.lease.duration-ms", "600",
                "jobqueue.reaper.interval-ms", "100",
                "jobqueue.max-stalls", "1"));
        redis = TestRedis.plainClient();
    }

    @AfterEach
    void stop() {
        app.close();
        redis.close();
    }

    @Test
    void aJobWhoseLeaseRanOutGoesBackToTheQueueAndIsProcessed() throws Exception {
        try (EventRecorder events = new EventRecorder(app.channel)) {
            String held = "{\"id\":\"job_dead_worker\",\"data\":{},\"createdAt\":\"2024-01-01T10:00:00.000Z\","
                    + "\"status\":\"processing\",\"attempts\":0,\"workerId\":\"gone-1-1\",\"startedAt\":\"2024-01-01T10:00:00.000Z\"}";
            redis.lpush(app.queue + ":processing", held);
            redis.zadd(app.queue + ":leases", System.currentTimeMillis() - 1, held);

            assertTrue(events.await(all -> events.statusesOf("job_dead_worker").contains("completed"), Duration.ofSeconds(10)));
            assertEquals(List.of("stalled", "processing", "completed"), events.statusesOf("job_dead_worker"));
            JsonNode stalled = events.all().get(0);
            assertEquals("gone-1-1", stalled.path("workerId").asText(), "the event names the worker that stalled");
            JsonNode done = JobJson.read(redis.lindex(app.queue + ":completed", 0));
            assertEquals(1, done.path("stalls").asInt());
            assertEquals(1, done.path("attempts").asInt(), "a stall is not an attempt");
            assertEquals(0, redis.llen(app.queue + ":processing"));
            assertEquals(0, redis.zcard(app.queue + ":leases"));
        }
    }

    @Test
    void aValueLeftInProcessingWithoutALeaseIsFoundAndRequeuedAsItWas() throws Exception {
        // a worker died between its BLMOVE and writing the lease: the job is in processing as it was queued
        String taken = "{\"id\":\"job_never_leased\",\"data\":{},\"status\":\"queued\",\"attempts\":0}";
        redis.lpush(app.queue + ":processing", taken);

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 1));
        JsonNode done = JobJson.read(redis.lindex(app.queue + ":completed", 0));
        assertEquals("job_never_leased", done.path("id").asText());
        assertTrue(done.path("stalls").isMissingNode(), "it never ran, so it did not stall");
        assertEquals(0, redis.zcard(app.queue + ":unleased"), "the mark is cleared");
    }

    @Test
    void aJobThatStallsMoreThanAllowedFails() throws Exception {
        String held = "{\"id\":\"job_killer\",\"data\":{},\"status\":\"processing\",\"attempts\":0,\"stalls\":1,"
                + "\"workerId\":\"gone-2-1\"}";
        redis.lpush(app.queue + ":processing", held);
        redis.zadd(app.queue + ":leases", System.currentTimeMillis() - 1, held);

        assertTrue(Await.until(() -> redis.llen(app.queue + ":failed") == 1));
        JsonNode failed = JobJson.read(redis.lindex(app.queue + ":failed", 0));
        assertTrue(failed.path("error").asText().startsWith("stalled 2 times"), failed.toString());
        assertEquals(0, failed.path("attempts").asInt());
        assertEquals(0, redis.llen(app.queue) + redis.llen(app.queue + ":processing") + redis.llen(app.queue + ":completed"));
    }

    @Test
    void aLiveWorkersLeaseIsRenewedSoItsLongJobIsNotTakenFromIt() throws Exception {
        app.close();
        app = RunningApp.start(Role.ALL, Map.of(
                "jobqueue.lease.duration-ms", "600",
                "jobqueue.reaper.interval-ms", "100",
                "jobqueue.processor.min-duration-ms", "2500",
                "jobqueue.processor.max-duration-ms", "2500"));
        try (EventRecorder events = new EventRecorder(app.channel)) {
            String id = JobJson.read(app.post("/jobs", "{}").body()).path("id").asText();

            assertTrue(events.await(all -> events.statusesOf(id).contains("completed"), Duration.ofSeconds(10)));
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf(id),
                    "a job running four lease lengths was never reclaimed");
        }
    }

}
