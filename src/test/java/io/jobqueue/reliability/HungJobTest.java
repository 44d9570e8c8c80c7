package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Issue item 8, "nothing waits behind a hung job": jobs a worker thread took ahead of a job that hangs go to another
 * thread within a second or two, and an attempt that overruns its timeout and ignores interruption fails for good
 * (its retry would run beside it) on a bounded number of threads. The hung job is the {@code hang} test task, which
 * sleeps and ignores interrupts.
 */
class HungJobTest {

    private static final int CONCURRENCY = 2;

    private final Jedis redis = TestRedis.plainClient();
    private RunningApp app;

    @BeforeEach
    void start() throws Exception {
        app = RunningApp.start(Role.WORKER, Map.of(
                "jobqueue.worker.concurrency", String.valueOf(CONCURRENCY),
                // on close, the hung job is handed back after a second rather than waited for
                "jobqueue.worker.shutdown-timeout-ms", "1000"));
        app.addTestTaskRoutes();
    }

    @AfterEach
    void stop() {
        app.close();
        redis.close();
    }

    @Test
    void jobsTakenBehindAHungJobAreHandedToTheOtherThread() throws Exception {
        try (EventRecorder events = new EventRecorder(app.channel)) {
            // Short jobs first: the workers learn that jobs are short and take many per round trip from then on.
            List<String> warmUp = new ArrayList<>();
            for (int n = 0; n < 150; n++) {
                warmUp.add(job("job_warm_" + n, "{\"task\":\"sleep\",\"ms\":0}"));
            }
            redis.lpush(app.queue, warmUp.toArray(String[]::new));
            assertTrue(events.await(all -> count(all, "completed") == warmUp.size(), Duration.ofSeconds(30)), "warm-up done");

            // One LPUSH, oldest first: each idle thread's blocking take gets one of the two short jobs in front, and
            // the next take (a batch of many) starts with the hung job and goes on with the quick ones behind it.
            List<String> values = new ArrayList<>(List.of(
                    job("job_front_1", "{\"task\":\"sleep\",\"ms\":0}"),
                    job("job_front_2", "{\"task\":\"sleep\",\"ms\":0}"),
                    job("job_hung", "{\"task\":\"hang\",\"ms\":6000}")));
            List<String> quick = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                quick.add("job_quick_" + n);
                values.add(job("job_quick_" + n, "{\"task\":\"sleep\",\"ms\":0}"));
            }
            redis.lpush(app.queue, values.toArray(String[]::new));
            long pushed = System.nanoTime();

            assertTrue(events.await(all -> !events.eventsOf("job_hung", "processing").isEmpty(), Duration.ofSeconds(10)));
            String hungWorker = events.eventsOf("job_hung", "processing").get(0).path("workerId").asText();
            long behind = redis.llen(app.queue + ":reserved:" + hungWorker);
            // a worker that measured its jobs as slow (a very busy machine) takes one at a time, and nothing waits
            assumeTrue(behind > 0, "the scenario was not set up: no quick job was taken behind the hung one (the "
                    + "workers took one job at a time); completed so far: " + completedIds(events));

            Duration leftOfFourSeconds = Duration.ofSeconds(4).minusNanos(System.nanoTime() - pushed);
            assertTrue(events.await(all -> quick.stream().allMatch(id -> !events.eventsOf(id, "completed").isEmpty()),
                    leftOfFourSeconds), "every quick job finished within 4 s of the push, not after the hung "
                    + "job's 6 s; missing: " + quick.stream().filter(id -> events.eventsOf(id, "completed").isEmpty()).toList());
            long tookMs = (System.nanoTime() - pushed) / 1_000_000;
            for (String id : quick) {
                assertNotEquals(hungWorker, events.eventsOf(id, "completed").get(0).path("workerId").asText(),
                        id + " ran on another thread than the hung job's");
                assertEquals(List.of("queued", "processing", "completed"), events.statusesOf(id), id + ": never started twice");
            }
            assertEquals(0, redis.llen(app.queue + ":reserved:" + hungWorker), "nothing is left waiting behind the hung job");
            System.out.printf("quick jobs behind a hung one: %d were waiting behind it; all %d done %d ms after the push%n",
                    behind, quick.size(), tookMs);
        }
    }

    @Test
    void anAttemptThatIgnoresInterruptionFailsForGoodOnABoundedPool() throws Exception {
        // 2 x concurrency + 2 such jobs: more than the pool may hold at once. Each ignores interruption for 3 s.
        int jobs = 2 * CONCURRENCY + 2;
        AtomicInteger mostThreads = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                mostThreads.accumulateAndGet(attemptThreads(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "attempt-thread-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try (EventRecorder events = new EventRecorder(app.channel)) {
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < jobs; n++) {
                ids.add("job_stuck_" + n);
                redis.lpush(app.queue, "{\"id\":\"job_stuck_" + n + "\",\"data\":{\"task\":\"hang\",\"ms\":3000},"
                        + "\"status\":\"queued\",\"attempts\":0,\"maxAttempts\":3,\"timeoutMs\":500}");
            }

            assertTrue(events.await(all -> count(all, "failed") == jobs, Duration.ofSeconds(30)), events.all().toString());
            sampling.set(false);
            sampler.join();

            for (String id : ids) {
                assertEquals(List.of("queued", "processing", "failed"), events.statusesOf(id),
                        id + ": failed at its first attempt although maxAttempts is 3 (a retry would run beside it)");
                JsonNode failed = find(app.queue + ":failed", id);
                assertEquals(1, failed.path("attempts").asInt(), failed.toString());
                String error = failed.path("error").asText();
                assertTrue(error.startsWith("timeout: the attempt ran longer than 500 ms"), error);
                assertTrue(error.contains("did not stop when interrupted"), error);
            }
            assertEquals(0, redis.zcard(app.queue + ":delayed"), "no retry is waiting");
            assertTrue(mostThreads.get() <= 2 * CONCURRENCY, "job-attempt threads alive at once: at most "
                    + 2 * CONCURRENCY + ", saw " + mostThreads.get());
            assertTrue(mostThreads.get() >= 2, "the attempts did run on job-attempt threads (saw " + mostThreads.get() + ")");
            System.out.printf("attempts that ignore interruption: %d failed for good, at most %d job-attempt threads%n",
                    jobs, mostThreads.get());
        } finally {
            sampling.set(false);
        }
    }

    private static int attemptThreads() {
        int count = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().contains("job-attempt")) {
                count++;
            }
        }
        return count;
    }

    private static String job(String id, String data) {
        return "{\"id\":\"" + id + "\",\"data\":" + data + ",\"status\":\"queued\",\"attempts\":0}";
    }

    private static long count(List<JsonNode> events, String status) {
        return events.stream().filter(event -> event.path("status").asText().equals(status)).count();
    }

    private static List<String> completedIds(EventRecorder events) {
        return events.all().stream().filter(e -> e.path("status").asText().equals("completed"))
                .map(e -> e.path("jobId").asText()).filter(id -> !id.startsWith("job_warm")).toList();
    }

    private JsonNode find(String key, String id) {
        for (String value : redis.lrange(key, 0, -1)) {
            JsonNode job = JobJson.read(value);
            if (id.equals(job.path("id").asText())) {
                return job;
            }
        }
        throw new AssertionError(id + " is not in " + key);
    }
}
