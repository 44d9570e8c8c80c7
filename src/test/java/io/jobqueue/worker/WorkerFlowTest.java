package io.jobqueue.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Jobs through the whole system: intake, workers, task routes, events, against real Redis. */
class WorkerFlowTest {

    private RunningApp app;
    private final Jedis redis = TestRedis.plainClient();

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        redis.close();
    }

    @Test
    void everyPostedJobEndsCompletedOrFailedAfterQueuedAndProcessingEvents() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of("jobqueue.processor.failure-rate", "0.3", "jobqueue.retry.max-attempts", "1"));
        try (EventRecorder events = new EventRecorder(app.channel)) {
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < 30; n++) {
                ids.add(JobJson.read(app.post("/jobs", "{\"n\":" + n + "}").body()).path("id").asText());
            }

            assertTrue(events.await(all -> finalEvents(all) == ids.size(), Duration.ofSeconds(20)), "all jobs finished");

            Set<String> finishedIds = new HashSet<>();
            for (String value : redis.lrange(app.queue + ":completed", 0, -1)) {
                JsonNode job = JobJson.read(value);
                assertEquals("completed", job.path("status").asText());
                assertEquals(1, job.path("attempts").asInt());
                assertTrue(job.has("result") && job.has("startedAt") && job.has("finishedAt"), value);
                finishedIds.add(job.path("id").asText());
            }
            for (String value : redis.lrange(app.queue + ":failed", 0, -1)) {
                JsonNode job = JobJson.read(value);
                assertEquals("failed", job.path("status").asText());
                assertEquals(1, job.path("attempts").asInt());
                assertEquals("Random processing error", job.path("error").asText());
                finishedIds.add(job.path("id").asText());
            }
            assertEquals(new HashSet<>(ids), finishedIds);
            assertEquals(0, redis.llen(app.queue) + redis.llen(app.queue + ":processing"));
            assertEquals(0, redis.scard(app.queue + ":announced"), "no bookkeeping left for jobs that left the queue");

            for (String id : ids) {
                List<String> statuses = events.statusesOf(id);
                assertEquals(3, statuses.size(), id + ": " + statuses);
                assertEquals(List.of("queued", "processing"), statuses.subList(0, 2), id);
                assertTrue(Set.of("completed", "failed").contains(statuses.get(2)), id + ": " + statuses);
            }
            for (JsonNode event : events.all()) {
                String status = event.path("status").asText();
                if (!status.equals("queued")) {
                    assertTrue(event.path("workerId").asText().matches(".+-\\d+-[a-z0-9]{4}-\\d+"), event.toString());
                }
                assertEquals(status.equals("failed"), event.has("error"), event.toString());
            }
        }
    }

    @Test
    void aJobLpushedByAPlainClientIsProcessedLikeAPostedOneAndAnnouncedWhenTaken() throws Exception {
        app = RunningApp.start(Role.WORKER, Map.of());
        try (EventRecorder events = new EventRecorder(app.channel)) {
            String seedJob = "{\"id\":\"job_1700000000000_abc123def\",\"data\":{\"task\":\"send_email\",\"to\":\"a@b.c\"},"
                    + "\"createdAt\":\"2024-01-01T10:00:00.000Z\",\"status\":\"queued\",\"attempts\":0}";
            redis.lpush(app.queue, seedJob);

            assertTrue(events.await(all -> finalEvents(all) == 1, Duration.ofSeconds(10)));
            // the plain client published nothing: the worker announces the job before it reports 'processing'
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_1700000000000_abc123def"));
            JsonNode queued = events.all().get(0);
            assertEquals("job_1700000000000_abc123def", queued.path("jobId").asText());
            assertTrue(queued.has("timestamp") && !queued.has("workerId"), queued.toString());
            JsonNode done = JobJson.read(redis.lindex(app.queue + ":completed", 0));
            assertEquals("job_1700000000000_abc123def", done.path("id").asText());
            assertEquals("{\"task\":\"send_email\",\"to\":\"a@b.c\"}", done.path("data").toString());
            assertEquals("2024-01-01T10:00:00.000Z", done.path("createdAt").asText());
            assertEquals(1, done.path("attempts").asInt());
        }
    }

    @Test
    void aValueThatIsNotAJobIsFailedWithItsTextAndTheWorkerGoesOn() throws Exception {
        app = RunningApp.start(Role.WORKER, Map.of("jobqueue.worker.concurrency", "1"));
        redis.lpush(app.queue, "this is not json");
        redis.lpush(app.queue, "{\"data\":{\"no\":\"id\"}}");
        redis.lpush(app.queue, "{\"id\":\"job_after_poison\",\"data\":{}}");

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 1 && redis.llen(app.queue + ":failed") == 2));
        List<String> failed = redis.lrange(app.queue + ":failed", 0, -1);
        JsonNode notJson = JobJson.read(failed.get(1));
        assertEquals("this is not json", notJson.path("raw").asText());
        assertEquals("failed", notJson.path("status").asText());
        assertTrue(notJson.path("error").asText().contains("invalid JSON"), notJson.toString());
        JsonNode noId = JobJson.read(failed.get(0));
        assertTrue(noId.path("error").asText().contains("no \"id\""), noId.toString());
        assertEquals("job_after_poison", JobJson.read(redis.lindex(app.queue + ":completed", 0)).path("id").asText());
    }

    @Test
    void aYamlTaskRouteProcessesTheJobsThatNameItAndItsReplyIsTheResult() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of());
        String paid = JobJson.read(app.post("/jobs", "{\"task\":\"process_payment\",\"amount\":100}").body()).path("id").asText();
        String refused = JobJson.read(app.post("/jobs", "{\"task\":\"process_payment\",\"amount\":-5}").body()).path("id").asText();
        String other = JobJson.read(app.post("/jobs", "{\"task\":\"no_such_route\"}").body()).path("id").asText();

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 2 && redis.llen(app.queue + ":failed") == 1));
        JsonNode completed = findJob(app.queue + ":completed", paid);
        assertEquals("{\"charged\":100,\"job\":\"" + paid + "\"}", completed.path("result").toString());
        JsonNode failed = findJob(app.queue + ":failed", refused);
        assertEquals("amount must be a positive number", failed.path("error").asText());
        // a task with no route of that name runs the default processor
        assertTrue(findJob(app.queue + ":completed", other).path("result").path("processed").asBoolean());
    }

    @Test
    void theExamplePaymentRouteRefusesAnAmountThatIsNotANumberAndBuildsItsResultAsData() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of());
        String injection = "{\"task\":\"process_payment\",\"amount\":\"1, \\\"admin\\\": true\"}";
        List<String> refused = new ArrayList<>();
        for (String body : List.of(injection, "{\"task\":\"process_payment\",\"amount\":\"100\"}",
                "{\"task\":\"process_payment\",\"amount\":true}", "{\"task\":\"process_payment\",\"amount\":{\"value\":1}}",
                "{\"task\":\"process_payment\"}")) {
            refused.add(JobJson.read(app.post("/jobs?maxAttempts=1", body).body()).path("id").asText());
        }
        String paid = JobJson.read(app.post("/jobs?maxAttempts=1", "{\"task\":\"process_payment\",\"amount\":100.50}").body())
                .path("id").asText();

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 1 && redis.llen(app.queue + ":failed") == 5),
                () -> redis.lrange(app.queue + ":completed", 0, -1) + " " + redis.lrange(app.queue + ":failed", 0, -1));
        for (String id : refused) {
            assertEquals("amount must be a JSON number", findJob(app.queue + ":failed", id).path("error").asText(), id);
        }
        assertEquals("{\"charged\":100.50,\"job\":\"" + paid + "\"}", findJob(app.queue + ":completed", paid).path("result").toString());
    }

    @Test
    void aJobCannotNameOneOfTheApplicationsOwnRoutes() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of());
        String id = JobJson.read(app.post("/jobs", "{\"task\":\"post-job\"}").body()).path("id").asText();

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 1));
        assertTrue(findJob(app.queue + ":completed", id).path("result").path("processed").asBoolean(),
                "ran by the default processor, not by the intake route");
        assertEquals(0, redis.llen(app.queue));
    }

    private JsonNode findJob(String key, String id) {
        for (String value : redis.lrange(key, 0, -1)) {
            JsonNode job = JobJson.read(value);
            if (id.equals(job.path("id").asText())) {
                return job;
            }
        }
        throw new AssertionError(id + " is not in " + key);
    }

    private static long finalEvents(List<JsonNode> events) {
        return events.stream().map(event -> event.path("status").asText())
                .filter(status -> status.equals("completed") || status.equals("failed")).count();
    }

}
