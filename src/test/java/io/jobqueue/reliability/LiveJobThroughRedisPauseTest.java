package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Issue item 2, the live half: "a job that runs for 10 minutes on a live worker is never reaped, however busy Redis
 * is". Redis itself stops answering (DEBUG SLEEP) for longer than the heartbeat timeout and the reaper's confirmation
 * together, while a live process runs a job: every heartbeat runs out meanwhile, yet when Redis wakes the process must
 * not be taken for dead. Short liveness settings keep it short: heartbeat every 200 ms, timeout 1 s, so a process is
 * dead after 1 s of silence confirmed 2 s later; Redis sleeps 4 s.
 */
class LiveJobThroughRedisPauseTest {

    @TempDir
    Path redisDir;

    @Test
    void aJobRunningWhileRedisSleepsPastTheHeartbeatTimeoutIsNeverReaped() throws Exception {
        try (PrivateRedis redis = new PrivateRedis(redisDir);
             Jedis direct = redis.client();
             RunningApp app = RunningApp.start(Role.WORKER, Map.of(
                     "jobqueue.redis.url", redis.url(),
                     "jobqueue.worker.heartbeat-interval-ms", "200",
                     "jobqueue.worker.heartbeat-timeout-ms", "1000",
                     "jobqueue.reaper.interval-ms", "200"));
             EventRecorder events = new EventRecorder(app.channel, redis::client)) {
            app.addTestTaskRoutes();
            direct.lpush(app.queue, "{\"id\":\"job_long\",\"data\":{\"task\":\"sleep\",\"ms\":7000},\"status\":\"queued\",\"attempts\":0}");
            assertTrue(events.await(all -> !events.eventsOf("job_long", "processing").isEmpty(), Duration.ofSeconds(10)));
            String workerId = events.eventsOf("job_long", "processing").get(0).path("workerId").asText();

            Thread.sleep(500);
            redis.debugSleep(4); // four heartbeat timeouts, and longer than timeout + confirmation (3 s)

            assertTrue(events.await(all -> !events.eventsOf("job_long", "completed").isEmpty(), Duration.ofSeconds(15)),
                    events.statusesOf("job_long").toString());
            Thread.sleep(300); // a second run, had the job been reaped, would have shown 'processing' by now
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_long"), "never 'stalled'");
            assertEquals(workerId, events.eventsOf("job_long", "completed").get(0).path("workerId").asText(),
                    "completed by the thread that started it: the process kept its identity (it was not taken for dead)");
            List<String> completed = direct.lrange(app.queue + ":completed", 0, -1);
            assertEquals(1, completed.size(), completed.toString());
            JsonNode job = JobJson.read(completed.get(0));
            assertEquals(1, job.path("attempts").asInt());
            assertTrue(job.path("stalls").isMissingNode(), job.toString());
            assertEquals(0, direct.llen(app.queue) + direct.llen(app.queue + ":processing"));
        }
    }
}
