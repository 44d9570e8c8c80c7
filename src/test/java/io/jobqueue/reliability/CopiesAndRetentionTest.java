package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A job pushed twice runs once, and finished jobs do not pile up: the lists are trimmed to their retention as jobs
 * finish, and the records of the jobs trimmed go with them.
 */
class CopiesAndRetentionTest {

    private RunningApp app;
    private final Jedis redis = TestRedis.plainClient();

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        redis.close();
    }

    private static String job(String id) {
        return "{\"id\":\"" + id + "\",\"data\":{},\"status\":\"queued\",\"attempts\":0}";
    }

    @Test
    void aValuePushedTwiceRunsOnceWhetherTheCopyComesTogetherWhileItRunsOrAfterItFinished() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of(
                "jobqueue.worker.concurrency", "2",
                "jobqueue.processor.min-duration-ms", "300",
                "jobqueue.processor.max-duration-ms", "300"));
        try (EventRecorder events = new EventRecorder(app.channel)) {
            redis.lpush(app.queue, job("twice_together"), job("twice_together")); // a producer that retried at once
            redis.lpush(app.queue, job("copy_while_running"));
            assertTrue(events.await(all -> events.statusesOf("copy_while_running").contains("processing"), Duration.ofSeconds(10)));
            redis.lpush(app.queue, job("copy_while_running"));
            assertTrue(events.await(all -> events.statusesOf("copy_while_running").contains("completed")
                    && events.statusesOf("twice_together").contains("completed"), Duration.ofSeconds(10)));
            redis.lpush(app.queue, job("copy_while_running")); // once more, after it finished
            String probe = JobJson.read(app.post("/jobs", "{}").body()).path("id").asText();
            assertTrue(events.await(all -> events.statusesOf(probe).contains("completed"), Duration.ofSeconds(10)));
            assertTrue(Await.until(() -> redis.llen(app.queue) == 0 && redis.llen(app.queue + ":processing") == 0));

            for (String id : List.of("twice_together", "copy_while_running")) {
                assertEquals(1, events.statusesOf(id).stream().filter("processing"::equals).count(), id + " ran once");
                assertEquals(1, redis.lrange(app.queue + ":completed", 0, -1).stream()
                        .filter(value -> JobJson.read(value).path("id").asText().equals(id)).count(), id + " finished once");
            }
        }
    }

    @Test
    void finishedListsAreTrimmedByCountAndByAgeAsJobsFinishAndTheirRecordsGoWithThem() throws Exception {
        app = RunningApp.start(Role.ALL, Map.of(
                "jobqueue.processor.min-duration-ms", "0",
                "jobqueue.processor.max-duration-ms", "0",
                "jobqueue.retention.completed.max-count", "5",
                "jobqueue.retention.completed.max-age", "-1",
                "jobqueue.retention.failed.max-count", "-1",
                "jobqueue.retention.failed.max-age", "1500ms"));
        for (int n = 0; n < 20; n++) {
            redis.lpush(app.queue, job("keep_" + n));
        }
        assertTrue(Await.until(() -> redis.llen(app.queue) == 0 && redis.llen(app.queue + ":processing") == 0));
        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") == 5), "trimmed to the count");
        List<String> kept = redis.lrange(app.queue + ":completed", 0, -1).stream()
                .map(value -> JobJson.read(value).path("id").asText()).toList();
        // which five: the last to finish, which is not the last pushed (threads take jobs in batches and finish them in
        // any order), so what is checked is that the records go with the values
        for (int n = 0; n < 20; n++) {
            String id = "keep_" + n;
            assertEquals(kept.contains(id), redis.exists(app.queue + ":job:" + id), "a kept job keeps its record, a trimmed one's is gone: " + id);
        }

        // failed jobs: kept for 1.5 s, then trimmed as later jobs fail
        redis.lpush(app.queue, "not a job 1", "not a job 2");
        assertTrue(Await.until(() -> redis.llen(app.queue + ":failed") == 2));
        long recordTtl = redis.pttl(app.queue + ":job:" + JobJson.read(redis.lindex(app.queue + ":failed", 0)).path("id").asText());
        assertTrue(recordTtl > 0 && recordTtl <= 1500, "a failed job's record expires with its age: " + recordTtl);
        Thread.sleep(1700);
        redis.lpush(app.queue, "not a job 3");
        assertTrue(Await.until(() -> redis.llen(app.queue + ":failed") == 1), "the two older ones were trimmed");
        assertTrue(redis.lindex(app.queue + ":failed", 0).contains("not a job 3"));
    }
}
