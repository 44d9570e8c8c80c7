package io.jobqueue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.jobqueue.Role;
import io.jobqueue.job.Job;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Takes and activations are group-committed: threads that ask at once share one script run. Each must still get its
 * own jobs, each job exactly once, rewritten as its own, in processing in the order taken.
 */
class TakeAndActivateTest {

    private RunningApp app;
    private JobStore store;
    private Jedis redis;

    @BeforeEach
    void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of()); // no workers: the test takes the jobs itself
        store = app.camel().getRegistry().lookupByNameAndType("jobStore", JobStore.class);
        redis = TestRedis.plainClient();
    }

    @AfterEach
    void stop() {
        app.close();
        redis.close();
    }

    @Test
    void threadsTakingAtOnceEachGetTheirOwnJobsOnce() throws Exception {
        int jobs = 400;
        for (int i = 1; i <= jobs; i++) {
            redis.lpush(app.queue, "{\"id\":\"job_" + i + "\",\"data\":{},\"status\":\"queued\",\"attempts\":0}");
        }
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<List<Job>>> takes = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            String workerId = "h-1-" + t;
            takes.add(threads.submit(() -> {
                List<Job> mine = new ArrayList<>();
                List<String> taken;
                while (!(taken = store.moveToProcessing(7, Duration.ofMillis(10))).isEmpty()) {
                    mine.addAll(store.activate(taken, workerId));
                }
                return mine;
            }));
        }
        Set<String> ids = new HashSet<>();
        for (int t = 0; t < 8; t++) {
            for (Job job : takes.get(t).get()) {
                assertTrue(ids.add(job.id()), "taken twice: " + job.id());
                assertEquals("h-1-" + t, job.text("workerId"));
                assertEquals(Job.PROCESSING, job.status());
            }
        }
        threads.shutdown();
        assertEquals(jobs, ids.size());
        assertEquals(0, redis.llen(app.queue));
        assertEquals(jobs, redis.llen(app.queue + ":processing"));
        assertEquals(jobs, redis.zcard(app.queue + ":leases"));
        assertEquals(0, redis.scard(app.queue + ":announced"));
        for (String value : redis.lrange(app.queue + ":processing", 0, -1)) {
            assertTrue(value.contains("\"status\":\"processing\""), "every value was rewritten in place: " + value);
        }
    }

    @Test
    void activationKeepsTheTakenOrderWithTheOldestNearestTheTail() {
        for (int i = 1; i <= 5; i++) {
            redis.lpush(app.queue, "{\"id\":\"job_" + i + "\",\"data\":{},\"status\":\"queued\",\"attempts\":0}");
        }
        List<String> taken = store.moveToProcessing(5, Duration.ofMillis(10));
        redis.lrem(app.queue + ":processing", 1, taken.get(2)); // the reaper gave job_3 back meanwhile
        List<Job> active = store.activate(taken, "h-1-1");

        assertEquals(List.of("job_1", "job_2", "job_4", "job_5"), active.stream().map(Job::id).toList());
        List<String> processing = redis.lrange(app.queue + ":processing", 0, -1);
        assertEquals(List.of("job_5", "job_4", "job_2", "job_1"),
                processing.stream().map(value -> Job.parse(value).id()).toList());
        List<String> oldestFirst = new ArrayList<>(processing);
        Collections.reverse(oldestFirst);
        assertEquals(active.stream().map(Job::stored).toList(), oldestFirst);
    }
}
