package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.redis.JobLists;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.GhostWorker;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import io.jobqueue.worker.ReservedJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A worker process that dies leaves jobs it had taken, some started, some not. Here the dead process is a
 * {@link GhostWorker}, which leaves them exactly as a real one would; a live worker process's reaper must give them
 * back: the started one as 'stalled', the others silently, as if never taken.
 */
class DeadWorkersTest {

    private final String queue = "test_dead_" + UUID.randomUUID().toString().substring(0, 8);
    private final String channel = queue + ":status";
    private final Jedis redis = TestRedis.plainClient();
    private RunningApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        redis.close();
    }

    private void start(Role role, Map<String, String> more) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "jobqueue.queue-name", queue,
                "jobqueue.events-channel", channel,
                "jobqueue.worker.heartbeat-interval-ms", "100",
                "jobqueue.reaper.interval-ms", "100",
                "jobqueue.max-stalls", "1"));
        settings.putAll(more);
        app = RunningApp.start(role, settings);
    }

    private static String job(String id, String extra) {
        return "{\"id\":\"" + id + "\",\"data\":{},\"createdAt\":\"2024-01-01T10:00:00.000Z\",\"status\":\"queued\","
                + "\"attempts\":0" + extra + "}";
    }

    @Test
    void onlyTheJobThatStartedStallsTheOthersGoBackAsIfNeverTaken() throws Exception {
        for (String id : List.of("job_a", "job_b", "job_c")) {
            redis.lpush(queue, job(id, ""));
        }
        try (GhostWorker ghost = new GhostWorker(queue, channel, 300); EventRecorder events = new EventRecorder(channel)) {
            List<ReservedJob> taken = ghost.takeAndReserve(3);
            assertEquals(3, taken.size());
            ghost.start(taken.get(0));
            assertEquals(1, redis.llen(queue + ":processing"));
            assertEquals(2, redis.llen(queue + ":reserved:" + ghost.workerId));

            start(Role.WORKER, Map.of());

            assertTrue(events.await(all -> List.of("job_a", "job_b", "job_c").stream()
                    .allMatch(id -> events.statusesOf(id).contains("completed")), Duration.ofSeconds(15)));
            assertEquals(List.of("queued", "processing", "stalled", "processing", "completed"), events.statusesOf("job_a"));
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_b"), "never started: no stall");
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_c"));
            JsonNode stalled = events.all().stream().filter(e -> e.path("status").asText().equals("stalled")).findFirst().orElseThrow();
            assertEquals(ghost.workerId, stalled.path("workerId").asText(), "the event names the worker that died");
            for (String value : redis.lrange(queue + ":completed", 0, -1)) {
                JsonNode done = JobJson.read(value);
                assertEquals(done.path("id").asText().equals("job_a") ? 1 : 0, done.path("stalls").asInt(), value);
                assertEquals(1, done.path("attempts").asInt(), "a stall is not an attempt: " + value);
            }
            assertEquals(0, redis.llen(queue + ":reserved:" + ghost.workerId));
            assertFalse(redis.exists(queue + ":held:" + ghost.processId));
            assertNull(redis.zscore(queue + ":workers", ghost.processId));
        }
    }

    @Test
    void aJobThatStallsMoreThanAllowedFails() throws Exception {
        redis.lpush(queue, job("job_killer", ",\"stalls\":1"));
        try (GhostWorker ghost = new GhostWorker(queue, channel, 300)) {
            ghost.start(ghost.takeAndReserve(1).get(0));
            start(Role.WORKER, Map.of());

            assertTrue(Await.until(() -> redis.llen(queue + ":failed") == 1));
            JsonNode failed = JobJson.read(redis.lindex(queue + ":failed", 0));
            assertTrue(failed.path("error").asText().startsWith("stalled 2 times"), failed.toString());
            assertEquals(0, failed.path("attempts").asInt());
            assertEquals(0, redis.llen(queue) + redis.llen(queue + ":processing") + redis.llen(queue + ":completed"));
        }
    }

    @Test
    void aLiveProcessKeepsItsLongJobThroughManyHeartbeatTimeouts() throws Exception {
        start(Role.ALL, Map.of(
                "jobqueue.worker.heartbeat-timeout-ms", "400",
                "jobqueue.processor.min-duration-ms", "3000",
                "jobqueue.processor.max-duration-ms", "3000"));
        try (EventRecorder events = new EventRecorder(channel)) {
            String id = JobJson.read(app.post("/jobs", "{}").body()).path("id").asText();

            assertTrue(events.await(all -> events.statusesOf(id).contains("completed"), Duration.ofSeconds(10)));
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf(id),
                    "a job running for seven heartbeat timeouts was never taken from its live process");
        }
    }

    @Test
    void aValueLeftInProcessingByAnEarlierVersionGoesBackOnceUnheldForTheGrace() throws Exception {
        start(Role.WORKER, Map.of());
        JobLists lists = app.camel().getRegistry().lookupByNameAndType("jobLists", JobLists.class);
        String legacy = job("job_legacy", ",\"workerId\":\"old-1-1\"").replace("\"queued\"", "\"processing\"");
        redis.lpush(queue + ":processing", legacy);

        assertEquals(0, lists.requeueOrphans(List.of(legacy), 0), "first sighting: marked only");
        assertEquals(1, lists.requeueOrphans(List.of(legacy), 0));
        assertTrue(Await.until(() -> redis.llen(queue + ":completed") == 1));
        JsonNode done = JobJson.read(redis.lindex(queue + ":completed", 0));
        assertEquals("job_legacy", done.path("id").asText());
        assertEquals(1, done.path("stalls").asInt());
        assertEquals(0, redis.zcard(queue + ":orphans"), "the mark is cleared");
    }
}
