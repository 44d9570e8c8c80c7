package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Whatever another client pushes into the queue, a worker reads, runs and finishes: what it cannot read ends in
 * failed with the reason, and the workers go on with the next job. And whatever the API accepts, a worker can read.
 */
class HostileValuesTest {

    private RunningApp app;
    private final Jedis redis = TestRedis.plainClient();

    @BeforeEach
    void start() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of("jobqueue.worker.concurrency", "2"));
    }

    @AfterEach
    void stop() {
        app.close();
        redis.close();
    }

    private static String nested(int depth, String inner) {
        return "[".repeat(depth) + inner + "]".repeat(depth);
    }

    private static String job(String id, String data) {
        return "{\"id\":\"" + id + "\",\"data\":" + data + ",\"status\":\"queued\",\"attempts\":0}";
    }

    @Test
    void valuesThatAreNotJobsAreFailedWithTheirReasonAndTheWorkersGoOn() throws Exception {
        List<byte[]> hostile = new ArrayList<>();
        hostile.add(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '{'});                     // not UTF-8, not text
        hostile.add(job("deep", "{\"a\":" + nested(5000, "1") + "}").getBytes(StandardCharsets.UTF_8));
        hostile.add(job("long_number", "{\"n\":" + "9".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8));
        hostile.add(job("long_name", "{\"" + "k".repeat(60_000) + "\":1}").getBytes(StandardCharsets.UTF_8));
        hostile.add("{\"id\":\"twice\",\"data\":{\"task\":\"a\",\"task\":\"b\"},\"attempts\":0}".getBytes(StandardCharsets.UTF_8));
        hostile.add("{\"id\":\"x\",\"id\":\"y\",\"data\":{}}".getBytes(StandardCharsets.UTF_8));
        hostile.add(new byte[0]);
        hostile.add("null".getBytes(StandardCharsets.UTF_8));
        hostile.add("[1,2,3]".getBytes(StandardCharsets.UTF_8));
        hostile.add("{\"id\":\"unterminated\"".getBytes(StandardCharsets.UTF_8));
        for (byte[] value : hostile) {
            redis.lpush(app.queue.getBytes(StandardCharsets.UTF_8), value);
        }

        assertTrue(Await.until(() -> redis.llen(app.queue + ":failed") == hostile.size()),
                "failed: " + redis.llen(app.queue + ":failed"));
        for (String value : redis.lrange(app.queue + ":failed", 0, -1)) {
            JsonNode failed = JobJson.read(value);
            assertTrue(failed.path("id").asText().startsWith("invalid_"), value.substring(0, Math.min(300, value.length())));
            assertTrue(failed.path("error").asText().startsWith("not a job"), failed.path("error").asText());
            assertTrue(failed.has("raw"));
        }

        String id = JobJson.read(app.post("/jobs", "{\"after\":true}").body()).path("id").asText();
        assertTrue(Await.until(() -> redis.lrange(app.queue + ":completed", 0, -1).stream().anyMatch(v -> v.contains(id))),
                "a normal job after them completes");
        assertEquals(0, redis.llen(app.queue) + redis.llen(app.queue + ":processing"));
        assertTrue(redis.keys(app.queue + ":reserved:*").stream().allMatch(key -> redis.llen(key) == 0));
    }

    @Test
    void dataAsDeepAsTheApiAcceptsIsReadAndRunByAWorker() throws Exception {
        String deepest = "{\"a\":" + nested(JobJson.MAX_DATA_DEPTH - 1, "1") + "}"; // the object and its arrays: exactly the limit
        var accepted = app.post("/jobs", deepest);
        assertEquals(201, accepted.statusCode(), accepted.body());
        var refused = app.post("/jobs", "{\"a\":" + nested(JobJson.MAX_DATA_DEPTH, "1") + "}");
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(JobJson.read(refused.body()).path("error").asText().contains("depth"), refused.body());

        var bulk = app.post("/jobs/bulk", "[" + deepest + "," + deepest + "]");
        assertEquals(201, bulk.statusCode(), bulk.body());
        var lines = app.post("/jobs/bulk", deepest + "\n" + deepest, "application/x-ndjson");
        assertEquals(201, lines.statusCode(), lines.body());

        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 5), "completed: " + redis.llen(app.queue + ":completed"));
        assertEquals(0, redis.llen(app.queue + ":failed"));
    }
}
