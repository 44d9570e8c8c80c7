package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A Redis that is full (maxmemory reached, noeviction) refuses writes: intake answers 503 saying so, nothing
 * accepted is lost, and the workers keep the jobs in hand until Redis accepts writes again.
 */
class RedisOutOfMemoryTest {

    @TempDir
    Path redisDir;

    @Test
    void intakeSays503OutOfMemoryAndEveryAcceptedJobFinishesOnceRedisHasRoomAgain() throws Exception {
        try (PrivateRedis redis = new PrivateRedis(redisDir);
             Jedis admin = redis.client();
             RunningApp app = RunningApp.start(Role.ALL, Map.of(
                     "jobqueue.redis.url", redis.url(),
                     "jobqueue.worker.concurrency", "2",
                     "jobqueue.processor.min-duration-ms", "100",
                     "jobqueue.processor.max-duration-ms", "200"))) {
            admin.configSet("maxmemory-policy", "noeviction");
            long used = Long.parseLong(admin.info("memory").lines().filter(line -> line.startsWith("used_memory:"))
                    .findFirst().orElseThrow().substring("used_memory:".length()).trim());
            admin.configSet("maxmemory", String.valueOf(used + 2_000_000));

            String padding = "x".repeat(20_000);
            List<String> accepted = new ArrayList<>();
            HttpResponse<String> refused = null;
            for (int n = 0; n < 1000 && refused == null; n++) {
                HttpResponse<String> response = app.post("/jobs", "{\"n\":" + n + ",\"pad\":\"" + padding + "\"}");
                if (response.statusCode() == 201) {
                    accepted.add(JobJson.read(response.body()).path("id").asText());
                } else {
                    refused = response;
                }
            }
            assertTrue(refused != null, "Redis never filled up");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(JobJson.read(refused.body()).path("error").asText().contains("out of memory"), refused.body());

            admin.configSet("maxmemory", "0");
            assertTrue(Await.until(() -> admin.llen(app.queue + ":completed") == accepted.size()),
                    admin.llen(app.queue + ":completed") + " of " + accepted.size() + " completed");
            Map<String, Integer> finished = new HashMap<>();
            for (String value : admin.lrange(app.queue + ":completed", 0, -1)) {
                finished.merge(JobJson.read(value).path("id").asText(), 1, Integer::sum);
            }
            for (String id : accepted) {
                assertEquals(1, finished.getOrDefault(id, 0), id);
            }
            assertEquals(0, admin.llen(app.queue + ":failed") + admin.llen(app.queue) + admin.llen(app.queue + ":processing"));
        }
    }
}
