package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** Redis stops under load and comes back: the API says 503 meanwhile, workers carry on after, no job is lost. */
class RedisOutageTest {

    @TempDir
    Path redisDir;

    @Test
    void jobsAcceptedBeforeAnOutageAreAllProcessedAfterIt() throws Exception {
        try (PrivateRedis redis = new PrivateRedis(redisDir);
             RunningApp app = RunningApp.start(Role.ALL, Map.of(
                     "jobqueue.redis.url", redis.url(),
                     "jobqueue.worker.concurrency", "2",
                     // a take whose reply is lost as Redis stops leaves its jobs in the worker's reserved list:
                     // the worker reads that list before taking again
                     "jobqueue.reaper.interval-ms", "300",
                     "jobqueue.processor.min-duration-ms", "20",
                     "jobqueue.processor.max-duration-ms", "40"))) {
            List<String> accepted = new ArrayList<>();
            for (int n = 0; n < 60; n++) {
                accepted.add(postId(app, n));
            }
            Thread.sleep(300); // some done, some in progress, most still queued

            redis.stop();
            long asked = System.nanoTime();
            HttpResponse<String> refused = app.post("/jobs", "{\"during\":\"outage\"}");
            long answeredMs = (System.nanoTime() - asked) / 1_000_000;
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("Redis is unavailable"), refused.body());
            assertTrue(answeredMs < 2000, "503 within 2 s, took " + answeredMs + " ms");
            assertEquals(503, app.get("/jobs/stats").statusCode());
            Thread.sleep(3000);

            redis.start();
            for (int n = 60; n < 80; n++) {
                accepted.add(postId(app, n));
            }

            try (Jedis client = redis.client()) {
                assertTrue(Await.until(() -> client.llen(app.queue + ":completed") >= accepted.size()),
                        "stats: " + client.llen(app.queue) + " queued, " + client.lrange(app.queue + ":processing", 0, -1) + " processing");
                Map<String, Integer> seen = new HashMap<>();
                for (String value : client.lrange(app.queue + ":completed", 0, -1)) {
                    JsonNode job = JobJson.read(value);
                    seen.merge(job.path("id").asText(), 1, Integer::sum);
                }
                for (String id : accepted) {
                    assertEquals(1, seen.getOrDefault(id, 0), id + " completed exactly once");
                }
                assertEquals(accepted.size(), seen.size());
                assertEquals(0, client.llen(app.queue) + client.llen(app.queue + ":processing") + client.llen(app.queue + ":failed"));
            }
        }
    }

    /** Posts until accepted: right after Redis returns, a pooled connection may still fail once. */
    private static String postId(RunningApp app, int n) throws Exception {
        for (int tries = 0; ; tries++) {
            HttpResponse<String> response = app.post("/jobs", "{\"n\":" + n + "}");
            if (response.statusCode() == 201) {
                return JobJson.read(response.body()).path("id").asText();
            }
            assertEquals(503, response.statusCode(), response.body());
            assertTrue(tries < 50, "Redis is back, yet POST /jobs keeps failing");
            Thread.sleep(100);
        }
    }
}
